// A store's stock and inbox: deliveries of phones and SIMs (which wake hires waiting for stock),
// what the curator has been told, and support's open tasks.
import { Router } from 'express';
import { WorkflowNotFoundError } from '@temporalio/client';
import { joiner, stockArrivedSignal } from '../../../workflows/joiner.ts';
import { isValidIccid, isValidImei } from '../../domain/identifiers.ts';
import { Prisma } from '../../db/generated/client.ts';
import { STORE_ID, type Problem } from '../hr-cloudevents.ts';
import type { ApiContext } from '../context.ts';
import { badRequest, HttpError } from '../http-errors.ts';
import { checkPathParameters, isCalendarDate, jsonBody, queryParameter } from '../request-input.ts';
import { withTemporal } from '../temporal-calls.ts';
import { mayKnowNamesOf } from '../auth.ts';
import { withNamesFromHr } from '../names.ts';

interface DeliveredDevice {
  imei: string;
  serial: string;
  model: string;
  leaseContract: string;
  warrantyUntil: string;
}
interface DeliveredSim {
  iccid: string;
  msisdn?: string;
  operator: string;
}

const MAX_ITEMS = 2_000;

export const STORE_CODE = { test: (v: string) => STORE_ID.test(v), message: 'must be a store code (letters, digits, "-" or "_", at most 32)' };

export function storesRouter(ctx: ApiContext): Router {
  const router = Router();
  checkPathParameters(router, { storeId: STORE_CODE });

  /** The store named by the path; 404 for a store phonefleet does not know. */
  const knownStore = async (storeId: string) => {
    const store = await ctx.db.store.findUnique({ where: { id: storeId } });
    if (!store) throw new HttpError(404, `store ${storeId} does not exist`);
    return store;
  };

  /**
   * The partner delivered devices and/or SIMs to the store's stock. All or nothing: a device or
   * SIM phonefleet already knows (in this store or another) is a mistake in the delivery note
   * or a phone counted twice, and is answered 409 naming each, with nothing applied.
   */
  router.post('/stores/:storeId/stock', jsonBody({ limit: '1mb' }), async (req, res) => {
    const { storeId } = req.params;
    const { devices, sims } = validateDelivery(req.body);
    const store = await knownStore(storeId);
    const actor = `api:${res.locals.operator}`;
    const added = await applyDelivery(ctx, async (tx) => {
      const conflicts = await alreadyKnown(tx, devices, sims);
      if (conflicts.length) throw new HttpError(409, 'delivery names devices or SIMs phonefleet already knows: nothing was added', conflicts);
      const { count } = await tx.device.createMany({ data: devices.map((d) => ({ ...d, storeId, mdmProvider: store.mdmProvider, warrantyUntil: new Date(`${d.warrantyUntil}T00:00:00Z`) })) });
      await tx.sim.createMany({ data: sims.map((s) => ({ ...s, storeId })) });
      await tx.auditLog.create({ data: { actor, action: 'stock.delivered', storeId, details: { devices: devices.length, sims: sims.length } } });
      return count;
    }, () => alreadyKnown(ctx.db, devices, sims));
    res.status(201).json({ storeId, devicesAdded: added, devicesOffered: devices.length, simsOffered: sims.length, hiresWoken: await wakeStockWaiters(ctx, storeId) });
  });

  /** What the store's curator has been told, newest first. */
  router.get('/stores/:storeId/notifications', async (req, res) => {
    const { id: storeId } = await knownStore(req.params.storeId);
    const notifications = await ctx.db.notification.findMany({ where: { storeId }, orderBy: { id: 'desc' }, take: 200 });
    // `?include=names`: each new hire's name, fetched from HR now (phonefleet stores none).
    const include = queryParameter(req.query, 'include');
    if (include === 'names') {
      if (!mayKnowNamesOf(res.locals.scopes, storeId)) throw new HttpError(403, `names of store ${storeId}'s people need scope curator:${storeId} or pii`);
      if (!ctx.hr) throw new HttpError(503, 'names come from HR, which this API is not configured to reach');
      res.json({ storeId, notifications: await withNamesFromHr(ctx.hr, ctx.db, notifications, { actor: `api:${res.locals.operator}`, storeId }) });
      return;
    }
    res.json({ storeId, notifications });
  });

  router.get('/support-tasks', async (req, res) => {
    const status = queryParameter(req.query, 'status') ?? 'OPEN';
    const storeId = queryParameter(req.query, 'storeId');
    const problems = [
      ...(status === 'OPEN' || status === 'DONE' ? [] : [{ field: 'query.status', message: 'must be OPEN or DONE' }]),
      ...(storeId === undefined || STORE_CODE.test(storeId) ? [] : [{ field: 'query.storeId', message: STORE_CODE.message }]),
    ];
    if (problems.length) throw badRequest(problems);
    if (storeId !== undefined) await knownStore(storeId);
    const tasks = await ctx.db.supportTask.findMany({ where: { status: status as 'OPEN' | 'DONE', ...(storeId ? { storeId } : {}) }, orderBy: { id: 'desc' }, take: 500 });
    res.json({ tasks });
  });

  return router;
}

type Tx = Pick<Prisma.TransactionClient, 'device' | 'sim' | 'auditLog'>;

/**
 * Runs the delivery in one transaction. Two deliveries of the same phone at once both pass the
 * check; the second then hits the unique key and is answered 409 like the first would be.
 */
async function applyDelivery(ctx: ApiContext, apply: (tx: Tx) => Promise<number>, conflictsNow: () => Promise<Problem[]>): Promise<number> {
  try {
    return await ctx.db.$transaction((tx) => apply(tx));
  } catch (err) {
    if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
    throw new HttpError(409, 'delivery names devices or SIMs phonefleet already knows: nothing was added', await conflictsNow());
  }
}

/** Each delivered device (by IMEI or serial) or SIM (by ICCID or MSISDN) already in the fleet. */
async function alreadyKnown(db: Tx, devices: DeliveredDevice[], sims: DeliveredSim[]): Promise<Problem[]> {
  const msisdns = sims.flatMap((s) => (s.msisdn ? [s.msisdn] : []));
  const [knownDevices, knownSims] = await Promise.all([
    devices.length
      ? db.device.findMany({ where: { OR: [{ imei: { in: devices.map((d) => d.imei) } }, { serial: { in: devices.map((d) => d.serial) } }] }, select: { imei: true, serial: true, storeId: true, state: true } })
      : [],
    sims.length ? db.sim.findMany({ where: { OR: [{ iccid: { in: sims.map((s) => s.iccid) } }, ...(msisdns.length ? [{ msisdn: { in: msisdns } }] : [])] }, select: { iccid: true, msisdn: true, storeId: true, state: true } }) : [],
  ]);
  const where = (k: { storeId: string; state: string }) => `store ${k.storeId}, ${k.state.toLowerCase().replace(/_/g, ' ')}`;
  const problems: Problem[] = [];
  devices.forEach((d, i) => {
    const byImei = knownDevices.find((k) => k.imei === d.imei);
    const bySerial = knownDevices.find((k) => k.serial === d.serial);
    if (byImei) problems.push({ field: `devices[${i}].imei`, message: `device ${d.imei} is already in the fleet (${where(byImei)})` });
    else if (bySerial) problems.push({ field: `devices[${i}].serial`, message: `serial ${d.serial} already belongs to device ${bySerial.imei} (${where(bySerial)})` });
  });
  sims.forEach((s, i) => {
    const byIccid = knownSims.find((k) => k.iccid === s.iccid);
    const byMsisdn = s.msisdn ? knownSims.find((k) => k.msisdn === s.msisdn) : undefined;
    if (byIccid) problems.push({ field: `sims[${i}].iccid`, message: `SIM ${s.iccid} is already in the fleet (${where(byIccid)})` });
    else if (byMsisdn) problems.push({ field: `sims[${i}].msisdn`, message: `number ${s.msisdn} already belongs to SIM ${byMsisdn.iccid} (${where(byMsisdn)})` });
  });
  return problems;
}

/**
 * Wakes every hire of this store that waits for stock, rather than at its next retry. Best
 * effort, null when Temporal could not be reached: the stock is committed, and a 500 would make
 * the partner send the delivery again (409). Hires not woken find the stock at their next retry.
 */
async function wakeStockWaiters(ctx: ApiContext, storeId: string): Promise<number | null> {
  let woken = 0;
  try {
    await withTemporal(ctx, async () => {
      const waiting = ctx.temporal.workflow.list({
        query: `WorkflowType = '${joiner.name}' AND StoreId = '${storeId}' AND Phase = 'awaiting-stock' AND ExecutionStatus = 'Running'`,
      });
      for await (const wf of waiting) {
        try {
          await ctx.temporal.workflow.getHandle(wf.workflowId).signal(stockArrivedSignal);
          woken++;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err; // it finished since the list was read
        }
      }
    });
    return woken;
  } catch (err) {
    console.error(`api: stock delivered to ${storeId}, but waiting hires were not all woken (${woken} were): ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}

function validateDelivery(body: unknown): { devices: DeliveredDevice[]; sims: DeliveredSim[] } {
  const problems: Problem[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest([{ field: 'body', message: 'must be a JSON object {devices?, sims?}' }]);
  const b = body as { devices?: unknown; sims?: unknown };
  const list = (name: string, v: unknown): Record<string, unknown>[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.length > MAX_ITEMS) {
      problems.push({ field: name, message: `must be an array of at most ${MAX_ITEMS} items` });
      return [];
    }
    return v.map((x, i) => {
      if (typeof x === 'object' && x !== null && !Array.isArray(x)) return x as Record<string, unknown>;
      problems.push({ field: `${name}[${i}]`, message: 'must be an object' });
      return {};
    });
  };
  const devices = list('devices', b.devices);
  const sims = list('sims', b.sims);
  if (!devices.length && !sims.length && !problems.length) problems.push({ field: 'body', message: 'deliver at least one device or SIM' });
  const text = (field: string, v: unknown, ok = (s: string) => s.length > 0 && s.length <= 100, message = 'must be a non-empty string') => {
    if (typeof v !== 'string' || !ok(v)) problems.push({ field, message });
  };
  devices.forEach((d, i) => {
    text(`devices[${i}].imei`, d.imei, isValidImei, 'must be a 15-digit IMEI with a valid check digit');
    text(`devices[${i}].serial`, d.serial);
    text(`devices[${i}].model`, d.model);
    text(`devices[${i}].leaseContract`, d.leaseContract);
    text(`devices[${i}].warrantyUntil`, d.warrantyUntil, isCalendarDate, 'must be a real date YYYY-MM-DD');
  });
  sims.forEach((s, i) => {
    text(`sims[${i}].iccid`, s.iccid, isValidIccid, 'must be an ICCID (19-20 digits starting 89, valid check digit)');
    text(`sims[${i}].operator`, s.operator);
    if (s.msisdn !== undefined) text(`sims[${i}].msisdn`, s.msisdn, (v) => /^\+?\d{6,15}$/.test(v), 'must be a phone number in E.164 digits');
  });
  // The same phone or SIM twice in one delivery note: a scanning mistake, never two items.
  const duplicates = (items: Record<string, unknown>[], list: string, key: string) => {
    const first = new Map<unknown, number>();
    items.forEach((item, i) => {
      const value = item[key];
      if (typeof value !== 'string') return;
      if (first.has(value)) problems.push({ field: `${list}[${i}].${key}`, message: `same as ${list}[${first.get(value)}].${key}` });
      else first.set(value, i);
    });
  };
  duplicates(devices, 'devices', 'imei');
  duplicates(devices, 'devices', 'serial');
  duplicates(sims, 'sims', 'iccid');
  duplicates(sims, 'sims', 'msisdn');
  if (problems.length) throw badRequest(problems.slice(0, 100));
  const pick = <K extends string>(o: Record<string, unknown>, keys: K[]) => Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as Record<K, string>;
  return {
    devices: devices.map((d) => pick(d, ['imei', 'serial', 'model', 'leaseContract', 'warrantyUntil'])),
    sims: sims.map((s) => pick(s, ['iccid', 'msisdn', 'operator'])),
  };
}
