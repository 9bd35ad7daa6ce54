// Stock that cannot jam, and a policy that reaches processes started before it changed:
// a phone the MDM refuses is quarantined and the hire gets another one; fifty hires at once in a
// store with twenty phones reserve twenty, each once, and thirty wait; a worker restarted with a
// new policy runs the next onboarding on it, not on the one its lifecycle was started with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeImei } from '../../src/domain/identifiers.ts';
import { joinerWorkflowId } from '../../workflows/joiner.ts';
import { eventually, FAST_POLICY, hireEvent, startHarness, storeToday, type Harness } from '../support/harness.ts';
import { recording, saveHistories } from '../support/histories.ts';
import { simAdmin, type SimAdmin } from '../support/sim-admin.ts';

let h: Harness;
let sim: SimAdmin;

beforeAll(async () => {
  h = await startHarness({ fleet: { stores: 2, employeesPerStore: 2, stockPerStore: 20 } });
  sim = simAdmin(h.sims);
});
afterAll(async () => h?.close());

const POSITION = () => h.fleet.employees[0].position;

async function hire(storeId: string) {
  const employeeId = h.newEmployeeId();
  await sim.addHrEmployee({ employeeId, storeId, position: POSITION(), startDate: storeToday(h.fleet, storeId), documentNumber: `DOC-${employeeId}` });
  await sim.addDirectoryAccount(employeeId, 0);
  expect((await h.sendHrEvent(hireEvent(employeeId, storeId, POSITION(), { startDate: storeToday(h.fleet, storeId) }))).status).toBe(202);
  return employeeId;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function onboarding(employeeId: string): Promise<any> {
  const res = await h.call('GET', `/employees/${employeeId}`);
  return res.status === 200 ? (await res.json()).onboarding : undefined;
}

const stage = (employeeId: string, wanted: string, timeoutMs?: number) =>
  eventually(
    async () => {
      const o = await onboarding(employeeId);
      return o?.stage === wanted ? o : undefined;
    },
    `${employeeId} to reach ${wanted}`,
    timeoutMs,
  );

describe('stock that cannot jam', () => {
  it('a phone the MDM refuses at enrolment is quarantined with a support task, and the hire gets another phone', async () => {
    const storeId = 'S001';
    const [known] = await h.db.device.findMany({ where: { storeId, state: 'IN_STOCK' }, orderBy: { imei: 'asc' }, take: 1 });
    await h.db.device.updateMany({ where: { storeId, state: 'IN_STOCK', imei: { not: known.imei } }, data: { state: 'RETIRED' } });
    // Delivered, but the provisioning partner never registered it in the MDM; it waited longest in stock.
    const unknown = makeImei('35000000', '700001');
    const delivered = await h.call('POST', `/stores/${storeId}/stock`, {
      devices: [{ imei: unknown, serial: 'SN-UNREGISTERED-1', model: 'Galaxy XCover 4', leaseContract: 'LC-2026-9', warrantyUntil: '2029-12-31' }],
      sims: [],
    });
    expect(delivered.status).toBe(201);
    await h.db.$executeRaw`UPDATE "Device" SET "updatedAt" = '2000-01-01' WHERE imei = ${unknown}`;

    const employeeId = await hire(storeId);
    const ready = await stage(employeeId, 'awaiting-handover');
    expect(ready.imei).toBe(known.imei);
    expect(ready.escalations).toContain(`device-quarantined:${unknown}`);
    expect(await h.db.device.findUniqueOrThrow({ where: { imei: unknown } })).toMatchObject({ state: 'QUARANTINED', reservedBy: null, employeeId: null });
    const tasks = await h.db.supportTask.findMany({ where: { kind: 'device-quarantined', employeeId } });
    expect(tasks).toHaveLength(1);
    expect(tasks[0].summary).toContain(unknown);
    // The SIM reserved with the refused phone stayed with the hire: one SIM, one registration.
    expect(await h.db.sim.count({ where: { employeeId } })).toBe(1);

    // The next hire is not given the quarantined phone: the store is out of phones.
    const next = await hire(storeId);
    const waiting = await eventually(async () => {
      const o = await onboarding(next);
      return o?.stage === 'awaiting-stock' && o.missingStock ? o : undefined;
    }, 'the next hire waiting for stock');
    expect(waiting.missingStock).toEqual(['device']);
    expect(await h.db.device.findUniqueOrThrow({ where: { imei: unknown } })).toMatchObject({ state: 'QUARANTINED' });
    if (recording) await saveHistories(h.client, joinerWorkflowId(employeeId), 'joiner-v2-device-quarantined');
  });

  it('fifty hires at once in a store with twenty phones: twenty reserved, thirty waiting, no phone or SIM twice', async () => {
    const storeId = 'S002';
    expect(await h.db.device.count({ where: { storeId, state: 'IN_STOCK' } })).toBe(20);
    expect(await h.db.sim.count({ where: { storeId, state: 'IN_STOCK' } })).toBe(20);
    const hires = await Promise.all(Array.from({ length: 50 }, () => hire(storeId)));

    await eventually(
      async () => (await h.db.notification.count({ where: { storeId, kind: 'out-of-stock', employeeId: { in: hires } } })) === 30,
      'thirty hires told the curator they wait for stock',
      240_000,
    );
    const stages = await eventually(
      async () => {
        const all = await Promise.all(hires.map(onboarding));
        const ready = all.filter((o) => o?.stage === 'awaiting-handover');
        return ready.length === 20 ? all : undefined;
      },
      'twenty phones prepared',
      240_000,
    );
    expect(stages.filter((o) => o.stage === 'awaiting-stock')).toHaveLength(30);
    const imeis = stages.filter((o) => o.imei).map((o) => o.imei);
    const iccids = stages.filter((o) => o.iccid).map((o) => o.iccid);
    expect(new Set(imeis).size).toBe(20);
    expect(new Set(iccids).size).toBe(20);
    expect(imeis).toHaveLength(20);
    const devices = await h.db.device.findMany({ where: { storeId, employeeId: { in: hires } } });
    expect(devices).toHaveLength(20);
    expect(new Set(devices.map((d) => d.employeeId)).size).toBe(20);
    const sims = await h.db.sim.findMany({ where: { storeId, employeeId: { in: hires } } });
    expect(sims).toHaveLength(20);
    expect(new Set(sims.map((s) => s.employeeId)).size).toBe(20);
    expect(await h.db.device.count({ where: { storeId, state: 'IN_STOCK' } })).toBe(0);
  });
});

describe('policy', () => {
  it('a worker restarted with a new policy runs the next onboarding on it, not on the lifecycle input', async () => {
    const storeId = 'S001';
    await h.db.device.updateMany({ where: { storeId, state: 'IN_STOCK' }, data: { state: 'RETIRED' } });
    // The API (and so the lifecycle's input) still says: look at stock every 10 minutes.
    await h.restartWorker({ policy: { ...FAST_POLICY, joiner: { ...FAST_POLICY.joiner, stockRetryInterval: '1 second' } } });
    const employeeId = await hire(storeId);
    await stage(employeeId, 'awaiting-stock');
    // Stock appears without any delivery announcement (no signal): only the new 1-second retry finds it.
    const [back] = await h.db.device.findMany({ where: { storeId, state: 'RETIRED', mdmDeviceId: { not: null } }, take: 1 });
    await h.db.device.update({ where: { imei: back.imei }, data: { state: 'IN_STOCK' } });
    const ready = await stage(employeeId, 'awaiting-handover', 60_000);
    expect(ready.imei).toBe(back.imei);
  });
});
