// Deliveries that cannot jam the stock (issue 6 §9, delivery side): a delivery naming a device
// or SIM phonefleet already knows gets 409 listing each, with nothing applied; the same item
// twice inside one delivery gets 400; two deliveries of the same phone at once: one wins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIccid, makeImei } from '../../src/domain/identifiers.ts';
import { startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
let serial = 0;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

const device = (n: number) => ({
  imei: makeImei('35777777', String(100000 + n)),
  serial: `SN-DLV-${n}-${++serial}`,
  model: 'Galaxy XCover 4',
  leaseContract: 'LC-2026-9',
  warrantyUntil: '2029-06-30',
});
const sim = (n: number) => ({ iccid: makeIccid('8970199', 777000000 + n), msisdn: `7999777${String(n).padStart(4, '0')}`, operator: 'retail-mobile' });

async function stockCounts() {
  return { devices: await h.db.device.count(), sims: await h.db.sim.count(), deliveries: await h.db.auditLog.count({ where: { action: 'stock.delivered' } }) };
}

describe('stock deliveries', () => {
  it('a device and a SIM already in another store: 409 naming each, and nothing of the delivery is added', async () => {
    const elsewhere = await h.db.device.findFirstOrThrow({ where: { storeId: 'S002' } });
    const simElsewhere = await h.db.sim.findFirstOrThrow({ where: { storeId: 'S002' } });
    const before = await stockCounts();
    const res = await h.call('POST', '/stores/S001/stock', {
      devices: [device(1), { ...device(2), imei: elsewhere.imei }, { ...device(3), serial: elsewhere.serial }],
      sims: [sim(1), { ...sim(2), iccid: simElsewhere.iccid }],
    });
    expect(res.status).toBe(409);
    const body = await res.json();
    expect(body.problems).toEqual([
      { field: 'devices[1].imei', message: expect.stringContaining(`device ${elsewhere.imei} is already in the fleet (store S002`) },
      { field: 'devices[2].serial', message: expect.stringContaining(`serial ${elsewhere.serial} already belongs to device ${elsewhere.imei} (store S002`) },
      { field: 'sims[1].iccid', message: expect.stringContaining(`SIM ${simElsewhere.iccid} is already in the fleet (store S002`) },
    ]);
    expect(await stockCounts()).toEqual(before); // device(1) and sim(1) were not added either
    expect(await h.db.device.findUnique({ where: { imei: device(1).imei } })).toBeNull();
    expect(await h.db.device.findUniqueOrThrow({ where: { imei: elsewhere.imei } })).toMatchObject({ storeId: 'S002', state: elsewhere.state });
  });

  it('the same device or SIM twice in one delivery: 400 naming each repetition', async () => {
    const before = await stockCounts();
    const d = device(10);
    const s = sim(10);
    const res = await h.call('POST', '/stores/S001/stock', {
      devices: [d, { ...device(11), imei: d.imei }, { ...device(12), serial: d.serial }],
      sims: [s, { ...sim(11), iccid: s.iccid }, { ...sim(12), msisdn: s.msisdn }],
    });
    expect(res.status).toBe(400);
    expect((await res.json()).problems).toEqual([
      { field: 'devices[1].imei', message: 'same as devices[0].imei' },
      { field: 'devices[2].serial', message: 'same as devices[0].serial' },
      { field: 'sims[1].iccid', message: 'same as sims[0].iccid' },
      { field: 'sims[2].msisdn', message: 'same as sims[0].msisdn' },
    ]);
    expect(await stockCounts()).toEqual(before);
  });

  it('a good delivery is added; sent again it is refused with 409, the stock unchanged', async () => {
    const delivery = { devices: [device(20), device(21)], sims: [sim(20)] };
    const first = await h.call('POST', '/stores/S001/stock', delivery);
    expect(first.status).toBe(201);
    // hiresWoken is not asserted: other suites on the shared dev server may have hires waiting in S001.
    expect(await first.json()).toMatchObject({ storeId: 'S001', devicesAdded: 2, devicesOffered: 2, simsOffered: 1 });
    const after = await stockCounts();
    const again = await h.call('POST', '/stores/S001/stock', delivery);
    expect(again.status).toBe(409);
    expect((await again.json()).problems.map((p: { field: string; message: string }) => `${p.field}: ${p.message}`)).toEqual([
      `devices[0].imei: device ${device(20).imei} is already in the fleet (store S001, in stock)`,
      `devices[1].imei: device ${device(21).imei} is already in the fleet (store S001, in stock)`,
      `sims[0].iccid: SIM ${sim(20).iccid} is already in the fleet (store S001, in stock)`,
    ]);
    expect(await stockCounts()).toEqual(after);
  });

  it('the same phone delivered to two stores at once: one delivery is added, the other gets 409', async () => {
    const before = await stockCounts();
    const d = device(30);
    const answers = await Promise.all(['S001', 'S002'].map((store) => h.call('POST', `/stores/${store}/stock`, { devices: [d] })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    expect(await stockCounts()).toEqual({ ...before, devices: before.devices + 1, deliveries: before.deliveries + 1 });
  });
});
