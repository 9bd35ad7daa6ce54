// A store's stock and inbox: deliveries of phones and SIMs (which wake hires waiting for stock),
// what the curator has been told. (Support's tasks: support-tasks.ts.)
import { Router } from 'express';
import { wakeStockWaiters } from '../../inventory/stock-waiters.ts';
import { z } from 'zod';
import { Prisma } from '../../db/generated/client.ts';
import type { Problem } from '../hr-cloudevents.ts';
import type { ApiContext } from '../context.ts';
import { HttpError } from '../http-errors.ts';
import { calendarDate, iccid, imei, STORE_CODE_MESSAGE, STORE_ID, storeId, text } from '../schemas/fields.ts';
import { defineRoute, mount } from '../schemas/route.ts';
import { withTemporal } from '../temporal-calls.ts';
import { mayKnowNamesOf } from '../auth.ts';
import { withNamesFromHr } from '../names.ts';
import { loggerFor } from '../../observability/log.ts';

const log = loggerFor('api');

const MAX_ITEMS = 2_000;

export const STORE_CODE = { test: (v: string) => STORE_ID.test(v), message: STORE_CODE_MESSAGE };
export const storePath = z.object({ storeId: storeId(STORE_CODE_MESSAGE) });

const shortText = () => text('must be a non-empty string', { min: 1, max: 100 });
const deliveredDevice = z.object(
  { imei: imei(), serial: shortText(), model: shortText(), leaseContract: shortText(), warrantyUntil: calendarDate('must be a real date YYYY-MM-DD') },
  { error: 'must be an object' },
);
const deliveredSim = z.object(
  {
    iccid: iccid(),
    msisdn: text('must be a phone number in E.164 digits', { pattern: /^\+?\d{6,15}$/ }).optional(),
    operator: shortText(),
  },
  { error: 'must be an object' },
);
type DeliveredDevice = z.output<typeof deliveredDevice>;
type DeliveredSim = z.output<typeof deliveredSim>;

const itemList = <T extends z.ZodType>(item: T) =>
  z
    .array(item, { error: `must be an array of at most ${MAX_ITEMS} items` })
    .max(MAX_ITEMS, { error: `must be an array of at most ${MAX_ITEMS} items` })
    .optional();

/** The same phone or SIM twice in one delivery note: a scanning mistake, never two items. */
function repetitions(items: Record<string, unknown>[], list: string, key: string): z.core.$ZodRawIssue[] {
  const first = new Map<unknown, number>();
  const issues: z.core.$ZodRawIssue[] = [];
  items.forEach((item, i) => {
    const value = item[key];
    if (value === undefined) return;
    if (first.has(value)) issues.push({ code: 'custom', input: value, path: [list, i, key], message: `same as ${list}[${first.get(value)}].${key}` });
    else first.set(value, i);
  });
  return issues;
}

const delivery = z
  .object({ devices: itemList(deliveredDevice), sims: itemList(deliveredSim) }, { error: 'must be a JSON object {devices?, sims?}' })
  .superRefine(({ devices = [], sims = [] }, ctx) => {
    if (!devices.length && !sims.length) ctx.addIssue({ code: 'custom', input: undefined, path: [], message: 'deliver at least one device or SIM' });
    const issues = [
      ...repetitions(devices, 'devices', 'imei'),
      ...repetitions(devices, 'devices', 'serial'),
      ...repetitions(sims, 'sims', 'iccid'),
      ...repetitions(sims, 'sims', 'msisdn'),
    ];
    issues.forEach((issue) => ctx.addIssue(issue));
  })
  .transform(({ devices = [], sims = [] }) => ({ devices, sims }));

export const STORE_ROUTES = {
  stock: defineRoute({
    method: 'post',
    path: '/stores/:storeId/stock',
    summary: "The partner delivered devices and/or SIMs to the store's stock (all or nothing)",
    auth: 'operator',
    params: storePath,
    body: delivery,
    bodyLimit: '1mb',
    responses: { 201: 'added; hires waiting for stock woken', 404: 'no such store', 409: 'names devices or SIMs already in the fleet: nothing added' },
  }),
  notifications: defineRoute({
    method: 'get',
    path: '/stores/:storeId/notifications',
    summary: "What the store's curator has been told, newest first",
    auth: 'operator',
    params: storePath,
    query: z.object({
      include: z
        .string({ error: 'must be given once, as a plain value' })
        .optional()
        .meta({ description: '"names": each new hire\'s name, fetched from HR now (phonefleet stores none)', examples: ['names'] }),
    }),
    responses: { 200: 'the notifications', 403: 'names need scope curator:<store> or pii', 404: 'no such store', 503: 'HR is not reachable for names' },
  }),
};

export function storesRouter(ctx: ApiContext): Router {
  const router = Router();

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
  mount(router, STORE_ROUTES.stock, async ({ params: { storeId }, body: { devices, sims } }, _req, res) => {
    const store = await knownStore(storeId);
    const actor = `api:${res.locals.operator}`;
    const added = await applyDelivery(
      ctx,
      async (tx) => {
        const conflicts = await alreadyKnown(tx, devices, sims);
        if (conflicts.length) throw new HttpError(409, 'delivery names devices or SIMs phonefleet already knows: nothing was added', conflicts);
        const { count } = await tx.device.createMany({
          data: devices.map((d) => ({ ...d, storeId, mdmProvider: store.mdmProvider, warrantyUntil: new Date(`${d.warrantyUntil}T00:00:00Z`) })),
        });
        await tx.sim.createMany({ data: sims.map((s) => ({ ...s, storeId })) });
        await tx.auditLog.create({ data: { actor, action: 'stock.delivered', storeId, details: { devices: devices.length, sims: sims.length } } });
        return count;
      },
      () => alreadyKnown(ctx.db, devices, sims),
    );
    res.status(201).json({ storeId, devicesAdded: added, devicesOffered: devices.length, simsOffered: sims.length, hiresWoken: await wakeStoreStockWaiters(ctx, storeId) });
  });

  /** What the store's curator has been told, newest first. */
  mount(router, STORE_ROUTES.notifications, async ({ params, query: { include } }, _req, res) => {
    const { id: storeId } = await knownStore(params.storeId);
    const notifications = await ctx.db.notification.findMany({ where: { storeId }, orderBy: { id: 'desc' }, take: 200 });
    // `?include=names`: each new hire's name, fetched from HR now (phonefleet stores none).
    if (include === 'names') {
      if (!mayKnowNamesOf(res.locals.scopes, storeId)) throw new HttpError(403, `names of store ${storeId}'s people need scope curator:${storeId} or pii`);
      if (!ctx.hr) throw new HttpError(503, 'names come from HR, which this API is not configured to reach');
      res.json({ storeId, notifications: await withNamesFromHr(ctx.hr, ctx.db, notifications, { actor: `api:${res.locals.operator}`, storeId }) });
      return;
    }
    res.json({ storeId, notifications });
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
      ? db.device.findMany({
          where: { OR: [{ imei: { in: devices.map((d) => d.imei) } }, { serial: { in: devices.map((d) => d.serial) } }] },
          select: { imei: true, serial: true, storeId: true, state: true },
        })
      : [],
    sims.length
      ? db.sim.findMany({
          where: { OR: [{ iccid: { in: sims.map((s) => s.iccid) } }, ...(msisdns.length ? [{ msisdn: { in: msisdns } }] : [])] },
          select: { iccid: true, msisdn: true, storeId: true, state: true },
        })
      : [],
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
async function wakeStoreStockWaiters(ctx: ApiContext, storeId: string): Promise<number | null> {
  try {
    return await withTemporal(ctx, () => wakeStockWaiters(ctx.temporal, storeId));
  } catch (err) {
    log.warn({ storeId, err }, 'stock delivered, but waiting hires were not all woken');
    return null;
  }
}
