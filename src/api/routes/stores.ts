// A store's stock and inbox: deliveries of phones and SIMs (which wake hires waiting for stock),
// what the curator has been told, and support's open tasks.
import express, { Router } from 'express';
import { joiner, stockArrivedSignal } from '../../../workflows/joiner.ts';
import { isValidIccid, isValidImei } from '../../domain/identifiers.ts';
import type { Problem } from '../hr-cloudevents.ts';
import type { ApiContext } from '../context.ts';
import { badRequest, HttpError } from '../http-errors.ts';
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

export function storesRouter(ctx: ApiContext): Router {
  const router = Router();

  /** The partner delivered devices and/or SIMs to the store's stock. */
  router.post('/stores/:storeId/stock', express.json({ limit: '1mb' }), async (req, res) => {
    const { storeId } = req.params;
    const { devices, sims } = validateDelivery(req.body);
    const store = await ctx.db.store.findUnique({ where: { id: storeId } });
    if (!store) throw new HttpError(404, `store ${storeId} does not exist`);
    const [added] = await ctx.db.$transaction([
      ctx.db.device.createMany({ data: devices.map((d) => ({ ...d, storeId, mdmProvider: store.mdmProvider, warrantyUntil: new Date(`${d.warrantyUntil}T00:00:00Z`) })), skipDuplicates: true }),
      ctx.db.sim.createMany({ data: sims.map((s) => ({ ...s, storeId })), skipDuplicates: true }),
      ctx.db.auditLog.create({ data: { actor: `api:${res.locals.operator}`, action: 'stock.delivered', storeId, details: { devices: devices.length, sims: sims.length } } }),
    ]);
    // Wake every hire of this store that waits for stock, rather than at its next retry.
    let woken = 0;
    const waiting = ctx.temporal.workflow.list({
      query: `WorkflowType = '${joiner.name}' AND StoreId = '${storeId}' AND Phase = 'awaiting-stock' AND ExecutionStatus = 'Running'`,
    });
    for await (const wf of waiting) {
      await ctx.temporal.workflow.getHandle(wf.workflowId).signal(stockArrivedSignal).catch(() => undefined); // it may have just finished
      woken++;
    }
    res.status(201).json({ storeId, devicesAdded: added.count, devicesOffered: devices.length, simsOffered: sims.length, hiresWoken: woken });
  });

  /** What the store's curator has been told, newest first. */
  router.get('/stores/:storeId/notifications', async (req, res) => {
    const notifications = await ctx.db.notification.findMany({ where: { storeId: req.params.storeId }, orderBy: { id: 'desc' }, take: 200 });
    // `?include=names`: each new hire's name, fetched from HR now (phonefleet stores none).
    if (req.query.include === 'names') {
      if (!mayKnowNamesOf(res.locals.scopes, req.params.storeId)) throw new HttpError(403, `names of store ${req.params.storeId}'s people need scope curator:${req.params.storeId} or pii`);
      if (!ctx.hr) throw new HttpError(503, 'names come from HR, which this API is not configured to reach');
      res.json({ storeId: req.params.storeId, notifications: await withNamesFromHr(ctx.hr, ctx.db, notifications, { actor: `api:${res.locals.operator}`, storeId: req.params.storeId }) });
      return;
    }
    res.json({ storeId: req.params.storeId, notifications });
  });

  router.get('/support-tasks', async (req, res) => {
    const status = req.query.status === 'DONE' ? 'DONE' : 'OPEN';
    const storeId = typeof req.query.storeId === 'string' ? req.query.storeId : undefined;
    const tasks = await ctx.db.supportTask.findMany({ where: { status, ...(storeId ? { storeId } : {}) }, orderBy: { id: 'desc' }, take: 500 });
    res.json({ tasks });
  });

  return router;
}

function validateDelivery(body: unknown): { devices: DeliveredDevice[]; sims: DeliveredSim[] } {
  const problems: Problem[] = [];
  const b = (body ?? {}) as { devices?: unknown; sims?: unknown };
  const list = (name: string, v: unknown): Record<string, unknown>[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.length > MAX_ITEMS) {
      problems.push({ field: name, message: `must be an array of at most ${MAX_ITEMS} items` });
      return [];
    }
    return v.map((x) => (typeof x === 'object' && x !== null ? (x as Record<string, unknown>) : {}));
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
    text(`devices[${i}].warrantyUntil`, d.warrantyUntil, (s) => /^\d{4}-\d{2}-\d{2}$/.test(s), 'must be a date YYYY-MM-DD');
  });
  sims.forEach((s, i) => {
    text(`sims[${i}].iccid`, s.iccid, isValidIccid, 'must be an ICCID (19-20 digits starting 89, valid check digit)');
    text(`sims[${i}].operator`, s.operator);
    if (s.msisdn !== undefined) text(`sims[${i}].msisdn`, s.msisdn, (v) => /^\+?\d{6,15}$/.test(v), 'must be a phone number in E.164 digits');
  });
  if (problems.length) throw badRequest(problems);
  const pick = <K extends string>(o: Record<string, unknown>, keys: K[]) => Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) as Record<K, string>;
  return {
    devices: devices.map((d) => pick(d, ['imei', 'serial', 'model', 'leaseContract', 'warrantyUntil'])),
    sims: sims.map((s) => pick(s, ['iccid', 'msisdn', 'operator'])),
  };
}
