// Issue 6 §5: a rescission that arrives while the stock reservation is in flight still puts the
// phone and SIM back. The reservation's UPDATE of the device is held by a PostgreSQL trigger
// waiting on an advisory lock the test holds, so the activity is provably mid-call when HR
// rescinds; the lock is let go only once the joiner's cancellation has been requested. The
// reservation then commits, and the undo recorded before the call must release it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinerWorkflowId } from '../../workflows/joiner.ts';
import { eventually, hireEvent, rescindEvent, startHarness, storeToday, type Harness } from '../support/harness.ts';
import { simAdmin } from '../support/sim-admin.ts';

const HOLD = 60605; // the advisory lock the trigger waits on
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await h.db.$executeRawUnsafe(`CREATE FUNCTION test_hold_reservation() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_advisory_xact_lock(${HOLD}); RETURN NEW; END $$`);
  await h.db.$executeRawUnsafe(`CREATE TRIGGER test_hold_reservation BEFORE UPDATE ON "Device" FOR EACH ROW
    WHEN (OLD.state = 'IN_STOCK' AND NEW.state = 'RESERVED') EXECUTE FUNCTION test_hold_reservation()`);
});
afterAll(async () => h?.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function onboarding(employeeId: string): Promise<any> {
  const res = await h.call('GET', `/employees/${employeeId}`);
  return res.status === 200 ? (await res.json()).onboarding : undefined;
}

describe('rescission during the stock reservation (§5)', () => {
  it('hire rescinded while the reservation is mid-call: device and SIM back IN_STOCK, nothing reserved for the person', async () => {
    const employeeId = h.newEmployeeId();
    const storeId = 'S001';
    const position = h.fleet.employees[0].position;
    const sim = simAdmin(h.sims);
    await sim.addHrEmployee({ employeeId, storeId, position, startDate: storeToday(h.fleet, storeId), documentNumber: `DOC-${employeeId}` });
    await sim.addDirectoryAccount(employeeId, 0);

    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let holding!: () => void;
    const held = new Promise<void>((r) => (holding = r));
    // The lock lives as long as this transaction: released when the test lets it commit.
    const lock = h.db.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${HOLD})`);
        holding();
        await released;
      },
      { timeout: 90_000, maxWait: 10_000 },
    );
    try {
      await held;
      expect((await h.sendHrEvent(hireEvent(employeeId, storeId, position, { startDate: storeToday(h.fleet, storeId) }))).status).toBe(202);
      // The reservation's UPDATE is waiting on the lock: the activity is in flight.
      await eventually(async () => {
        const [{ n }] = await h.db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = ${HOLD} AND NOT granted`);
        return n === 1;
      }, 'the reservation blocked mid-call');
      expect((await onboarding(employeeId))?.stage).toBe('awaiting-stock');

      expect((await h.sendHrEvent(rescindEvent(employeeId))).status).toBe(202);
      const joiner = h.client.workflow.getHandle(joinerWorkflowId(employeeId));
      await eventually(async () => {
        const { events } = await joiner.fetchHistory();
        return (events ?? []).some((e) => e.workflowExecutionCancelRequestedEventAttributes);
      }, 'the joiner asked to cancel');
    } finally {
      release();
      await lock;
    }

    await eventually(async () => (await onboarding(employeeId))?.stage === 'rescinded', `${employeeId} rescinded`, 90_000);
    // The reservation did happen (the call finished after the rescission) and was undone.
    const reserved = await eventually(() => h.db.auditLog.findFirst({ where: { action: 'stock.reserved', employeeId } }).then((r) => r ?? undefined), 'the reservation in the log');
    expect(await h.db.auditLog.count({ where: { action: 'stock.released', employeeId } })).toBe(1);
    expect(await h.db.device.findUniqueOrThrow({ where: { imei: reserved.imei! } })).toMatchObject({ state: 'IN_STOCK', reservedBy: null, employeeId: null });
    expect(await h.db.sim.findUniqueOrThrow({ where: { iccid: reserved.iccid! } })).toMatchObject({ state: 'IN_STOCK', reservedBy: null, employeeId: null });
    expect(await h.db.device.count({ where: { OR: [{ employeeId }, { state: 'RESERVED' }] } })).toBe(0);
    expect(await h.db.sim.count({ where: { OR: [{ employeeId }, { state: 'RESERVED' }] } })).toBe(0);
  }, 180_000);
});
