// A store's settings HR does not know, set by operations through the API (until the fleet's
// configuration moves to git): the support line, the uplink and the share of it updates may use.
// Audited once per change; the same values again change nothing; bad fields are named and nothing
// is changed; HR's new-store task closes once both the line and the uplink are set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE_SETTINGS_TASK } from '../../src/inventory/fleet-sync.ts';
import { startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const settings = async (storeId: string) => (await (await h.call('GET', `/stores/${storeId}/settings`)).json()) as Record<string, unknown>;
const audits = (storeId: string) => h.db.auditLog.findMany({ where: { action: 'store.settings-changed', storeId }, orderBy: { id: 'asc' } });
const task = (storeId: string) => h.db.supportTask.findUniqueOrThrow({ where: { idempotencyKey: `store-settings:${storeId}` } });
const openTask = (storeId: string) =>
  h.db.supportTask.create({
    data: { idempotencyKey: `store-settings:${storeId}`, storeId, kind: STORE_SETTINGS_TASK, summary: `Store ${storeId} came from HR without its settings` },
  });

describe('store settings', () => {
  it('shows the settings, the update share 30 % by default', async () => {
    const store = await h.db.store.findUniqueOrThrow({ where: { id: 'S001' } });
    expect(await settings('S001')).toEqual({
      storeId: 'S001',
      supportPhone: store.supportPhone,
      uplinkMbps: store.uplinkMbps,
      updateSharePercent: 30,
      installWindow: null,
      mdmProvider: store.mdmProvider,
    });
  });

  it('sets the fields given, audits what changed, and the same values again change nothing', async () => {
    const before = await h.db.store.findUniqueOrThrow({ where: { id: 'S001' } });
    const res = await h.call('PATCH', '/stores/S001/settings', { uplinkMbps: 250, updateSharePercent: 20 });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ uplinkMbps: 250, updateSharePercent: 20, supportPhone: before.supportPhone });
    expect(await h.db.store.findUniqueOrThrow({ where: { id: 'S001' } })).toMatchObject({ uplinkMbps: 250, updateSharePercent: 20 });
    expect((await audits('S001')).map((a) => a.details)).toEqual([
      { before: { uplinkMbps: before.uplinkMbps, updateSharePercent: 30 }, after: { uplinkMbps: 250, updateSharePercent: 20 } },
    ]);
    expect((await h.call('PATCH', '/stores/S001/settings', { uplinkMbps: 250 })).status).toBe(200);
    expect(await audits('S001')).toHaveLength(1);
  });

  it('names every bad field and changes nothing; an unknown store is a 404', async () => {
    const before = await h.db.store.findUniqueOrThrow({ where: { id: 'S002' } });
    const res = await h.call('PATCH', '/stores/S002/settings', { uplinkMbps: 0, updateSharePercent: 101, supportPhone: 'call us', mdmProvider: 'SECOND_MDM' });
    expect(res.status).toBe(400);
    const fields = ((await res.json()) as { problems: { field: string }[] }).problems.map((p) => p.field).sort();
    expect(fields).toEqual(['mdmProvider', 'supportPhone', 'updateSharePercent', 'uplinkMbps']);
    expect((await h.call('PATCH', '/stores/S002/settings', {})).status).toBe(400);
    expect(await h.db.store.findUniqueOrThrow({ where: { id: 'S002' } })).toEqual(before);
    expect(await audits('S002')).toEqual([]);
    expect((await h.call('PATCH', '/stores/S999/settings', { uplinkMbps: 100 })).status).toBe(404);
  });

  it("closes HR's new-store task once both the support line and the uplink are set, not before", async () => {
    await openTask('S002');
    await h.call('PATCH', '/stores/S002/settings', { updateSharePercent: 25 });
    expect((await task('S002')).status).toBe('OPEN');
    await h.call('PATCH', '/stores/S002/settings', { uplinkMbps: 300 });
    expect(await task('S002')).toMatchObject({ status: 'DONE', closedBy: 'api:test-operator', resolution: 'support line and uplink set through the API' });
  });
  it("sets an install window on the store's clock (when releases install whoever is at work), and takes it away", async () => {
    const set = await h.call('PATCH', '/stores/S001/settings', { installWindow: { from: '02:00', until: '05:00' } });
    expect(set.status).toBe(200);
    expect((await set.json()).installWindow).toEqual({ from: '02:00', until: '05:00' });
    expect(await h.db.store.findUniqueOrThrow({ where: { id: 'S001' } })).toMatchObject({ installWindowFrom: '02:00', installWindowUntil: '05:00' });
    const bad = await h.call('PATCH', '/stores/S001/settings', { installWindow: { from: '2am', until: '05:00' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/installWindow/);
    expect((await (await h.call('PATCH', '/stores/S001/settings', { installWindow: null })).json()).installWindow).toBeNull();
  });
});
