// What operations set for a store and HR does not know: the support line its lock screens show,
// its uplink and the share of it app updates may use (releases size their waves to them). Until
// the fleet's configuration moves to git (issue 11), this is where they are set. A store that
// came from HR asks for them with a support task, closed once both the line and the uplink are set.
import { Router } from 'express';
import { z } from 'zod';
import type { Store } from '../../db/generated/client.ts';
import { STORE_SETTINGS_TASK } from '../../inventory/fleet-sync.ts';
import type { ApiContext } from '../context.ts';
import { HttpError } from '../http-errors.ts';
import { text } from '../schemas/fields.ts';
import { defineRoute, mount } from '../schemas/route.ts';
import { storePath } from './stores.ts';

const integer = (message: string, min: number, max: number) => z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
const settingsBody = z
  .strictObject(
    {
      supportPhone: text('must be a phone number: +, digits, spaces or dashes, 6 to 20 characters', {
        pattern: /^\+?[0-9][0-9 -]{4,18}[0-9]$/,
        examples: ['+7 495 123-45-67'],
      }).optional(),
      uplinkMbps: integer('must be a whole number of Mbit/s from 1 to 100,000', 1, 100_000).optional(),
      updateSharePercent: integer('must be a whole percent from 1 to 100', 1, 100).optional(),
      installWindow: z
        .union(
          [
            z.null(),
            z.strictObject({ from: wallClock(), until: wallClock() }, { error: 'must be {from, until} (store time, HH:MM), or null for none' }).refine((w) => w.from !== w.until, {
              error: 'from and until must differ',
            }),
          ],
          { error: 'must be {from, until} (store time, HH:MM), or null for none' },
        )
        .optional(),
    },
    { error: 'must be a JSON object {supportPhone?, uplinkMbps?, updateSharePercent?, installWindow?}' },
  )
  .refine((b) => Object.keys(b).length > 0, { error: 'set at least one of supportPhone, uplinkMbps, updateSharePercent, installWindow' });
type Settings = Partial<Pick<Store, (typeof FIELDS)[number]>>;
const FIELDS = ['supportPhone', 'uplinkMbps', 'updateSharePercent', 'installWindowFrom', 'installWindowUntil'] as const;

function wallClock() {
  return text('must be a time of day on the store clock, HH:MM (00:00 to 23:59)', { pattern: /^([01]\d|2[0-3]):[0-5]\d$/, examples: ['02:00'] });
}

/** The body as Store columns (the install window is two). */
function columnsOf(body: z.output<typeof settingsBody>): Settings {
  const { installWindow, ...rest } = body;
  const columns: Settings = { ...rest };
  if (installWindow !== undefined) {
    columns.installWindowFrom = installWindow?.from ?? null;
    columns.installWindowUntil = installWindow?.until ?? null;
  }
  return columns;
}

export const STORE_SETTINGS_ROUTES = {
  get: defineRoute({
    method: 'get',
    path: '/stores/:storeId/settings',
    summary: "A store's support line, uplink, the share of it updates may use, and its install window",
    auth: 'operator',
    params: storePath,
    responses: { 200: 'the settings', 404: 'no such store' },
  }),
  set: defineRoute({
    method: 'patch',
    path: '/stores/:storeId/settings',
    summary: "Set a store's support line, uplink, update share or install window (when releases may install whoever is at work; the fields given; audited)",
    auth: 'operator',
    params: storePath,
    body: settingsBody,
    responses: { 200: 'the settings now (unchanged when they were already so)', 400: 'a bad field, named', 404: 'no such store' },
  }),
};

const view = (s: Store) => ({
  storeId: s.id,
  supportPhone: s.supportPhone,
  uplinkMbps: s.uplinkMbps,
  updateSharePercent: s.updateSharePercent,
  installWindow: s.installWindowFrom && s.installWindowUntil ? { from: s.installWindowFrom, until: s.installWindowUntil } : null,
  mdmProvider: s.mdmProvider,
});

export function storeSettingsRouter(ctx: ApiContext): Router {
  const router = Router();

  mount(router, STORE_SETTINGS_ROUTES.get, async ({ params }, _req, res) => {
    const store = await ctx.db.store.findUnique({ where: { id: params.storeId } });
    if (!store) throw new HttpError(404, `store ${params.storeId} does not exist`);
    res.json(view(store));
  });

  mount(router, STORE_SETTINGS_ROUTES.set, async ({ params, body }, _req, res) => {
    const actor = `api:${res.locals.operator}`;
    const store = await ctx.db.$transaction(async (tx) => {
      const was = await tx.store.findUnique({ where: { id: params.storeId } });
      if (!was) throw new HttpError(404, `store ${params.storeId} does not exist`);
      const wanted = columnsOf(body);
      const changed = FIELDS.filter((f) => wanted[f] !== undefined && wanted[f] !== was[f]);
      if (changed.length === 0) return was;
      const data: Settings = Object.fromEntries(changed.map((f) => [f, wanted[f]]));
      const now = await tx.store.update({ where: { id: was.id }, data });
      await tx.auditLog.create({
        data: { actor, action: 'store.settings-changed', storeId: was.id, details: { before: Object.fromEntries(changed.map((f) => [f, was[f]])), after: data } },
      });
      // The task HR's new store opened is done once operations have set both its line and its uplink.
      const earlier = await tx.auditLog.findMany({ where: { action: 'store.settings-changed', storeId: was.id }, select: { details: true } });
      const uplinkSet = changed.includes('uplinkMbps') || earlier.some((e) => (e.details as { after?: Settings } | null)?.after?.uplinkMbps !== undefined);
      if (now.supportPhone !== '' && uplinkSet) {
        await tx.supportTask.updateMany({
          where: { kind: STORE_SETTINGS_TASK, storeId: was.id, status: 'OPEN' },
          data: { status: 'DONE', closedAt: new Date(), closedBy: actor, resolution: 'support line and uplink set through the API' },
        });
      }
      return now;
    });
    res.json(view(store));
  });

  return router;
}
