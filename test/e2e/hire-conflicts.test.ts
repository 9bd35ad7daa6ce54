// Nothing HR says is misread (issue 6 §6, API side): a second hire of someone whose hire is in
// force gets 409 naming the one in force, instead of 202 and a place in the queue; dates in an
// order that cannot happen get 422, and nothing reaches the lifecycle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { employeeWorkflowId, lifecycleQuery } from '../../workflows/employee-lifecycle.ts';
import { dayFromToday, dismissEvent, eventually, hireEvent, rescindEvent, revokeDismissalEvent, startHarness, type Harness } from '../support/harness.ts';
import { simAdmin, type SimAdmin } from '../support/sim-admin.ts';

let h: Harness;
let sim: SimAdmin;
const POSITION = () => h.fleet.employees[0]!.position;

beforeAll(async () => {
  h = await startHarness();
  sim = simAdmin(h.sims);
});
afterAll(async () => h?.close());

const lifecycle = (employeeId: string) => h.client.workflow.getHandle(employeeWorkflowId(employeeId)).query(lifecycleQuery);
/** Every hire event the lifecycle has received (handled, running or queued). */
const hiresSeen = async (employeeId: string) => (await lifecycle(employeeId)).seenEventIds.filter((id) => id.startsWith('hire-'));

async function newHire(storeId: string, startDate = dayFromToday(0)) {
  const employeeId = h.newEmployeeId();
  await sim.addHrEmployee({ employeeId, storeId, position: POSITION(), startDate, documentNumber: `DOC-${employeeId}` });
  await sim.addDirectoryAccount(employeeId, 0);
  return employeeId;
}

/** A person of the seeded fleet: employed (ACTIVE row), hired before phonefleet, no lifecycle. */
let seeded = 0;
const seededEmployee = (storeId: string) => h.fleet.employees.filter((e) => e.storeId === storeId)[seeded++]!;

describe('a hire meets the hire in force', () => {
  it('a second hire (new event id) while onboarding, to another store or the same: 409 naming the one in force; the lifecycle holds one hire', async () => {
    const employeeId = await newHire('S001');
    const first = hireEvent(employeeId, 'S001', POSITION());
    expect((await h.sendHrEvent(first)).status).toBe(202);

    for (const store of ['S002', 'S001']) {
      const second = hireEvent(employeeId, store, POSITION());
      const res = await h.sendHrEvent(second);
      expect(res.status, store).toBe(409);
      const body = await res.json();
      expect(body.problems).toEqual([{ field: 'data.employeeId', message: expect.stringContaining(`employee ${employeeId} already has a hire in force`) }]);
      expect(body.problems[0].message).toContain(first.id);
      expect(body.inForce).toMatchObject({ storeId: 'S001', eventId: first.id });
      expect(await h.db.hrEvent.findUnique({ where: { id: second.id } })).toBeNull();
    }
    expect(await hiresSeen(employeeId)).toEqual([first.id]);
    // The refusals are there for HR operations to see.
    const refused = await (await h.call('GET', '/hr/deliveries?outcome=refused&limit=5')).json();
    expect(refused.deliveries.filter((d: { employeeId: string; status: number }) => d.employeeId === employeeId && d.status === 409)).toHaveLength(2);
  });

  it('a hire of someone employed since before phonefleet (an ACTIVE row, no lifecycle): 409 naming their store', async () => {
    const person = seededEmployee('S002');
    const res = await h.sendHrEvent(hireEvent(person.employeeId, 'S001', POSITION()));
    expect(res.status).toBe(409);
    expect((await res.json()).inForce).toMatchObject({ status: 'active', storeId: 'S002', startDate: person.startDate });
    await expect(lifecycle(person.employeeId)).rejects.toThrow(); // nothing was started
  });
});

describe('dates in an order that cannot happen: 422', () => {
  it('a dismissal whose last working day is before the start date: 422, and the onboarding goes on', async () => {
    const startDate = dayFromToday(10);
    const employeeId = await newHire('S001', startDate);
    expect((await h.sendHrEvent(hireEvent(employeeId, 'S001', POSITION(), { startDate }))).status).toBe(202);
    await eventually(() => h.db.employee.findUnique({ where: { id: employeeId } }).then((r) => r ?? undefined), 'the hire recorded');

    const early = dismissEvent(employeeId, dayFromToday(5));
    const res = await h.sendHrEvent(early);
    expect(res.status).toBe(422);
    expect((await res.json()).problems).toEqual([{ field: 'data.lastWorkingDay', message: `${dayFromToday(5)} is before employee ${employeeId}'s start date ${startDate}` }]);
    const state = await lifecycle(employeeId);
    expect(state.status).toBe('onboarding');
    expect([...state.pending, ...state.outcomes].map((e) => e.kind)).not.toContain('dismissed');
  });

  it('a rehire starting before the last working day of the employment before: 422; one starting after it is queued, and a third hire meets it with 409', async () => {
    const person = seededEmployee('S001');
    const lastWorkingDay = dayFromToday(7);
    expect((await h.sendHrEvent(dismissEvent(person.employeeId, lastWorkingDay))).status).toBe(202);
    await eventually(async () => (await h.db.employee.findUniqueOrThrow({ where: { id: person.employeeId } })).status === 'LEAVING', 'the dismissal recorded');

    const tooEarly = await h.sendHrEvent(hireEvent(person.employeeId, 'S002', POSITION(), { startDate: dayFromToday(3) }));
    expect(tooEarly.status).toBe(422);
    expect((await tooEarly.json()).problems).toEqual([
      { field: 'data.startDate', message: `${dayFromToday(3)} is before the last working day ${lastWorkingDay} of employee ${person.employeeId}'s employment before` },
    ]);

    const rehire = hireEvent(person.employeeId, 'S002', POSITION(), { startDate: dayFromToday(8) });
    expect((await h.sendHrEvent(rehire)).status).toBe(202);
    const third = await h.sendHrEvent(hireEvent(person.employeeId, 'S001', POSITION(), { startDate: dayFromToday(9) }));
    expect(third.status).toBe(409);
    expect((await third.json()).inForce).toMatchObject({ status: 'hire queued', storeId: 'S002', eventId: rehire.id, startDate: dayFromToday(8) });
    expect(await hiresSeen(person.employeeId)).toEqual([rehire.id]);
  });
});

describe('take-backs with nothing to take back: 422', () => {
  it('take-backs the lifecycle would only ignore: a revocation with no dismissal, a rescission of someone leaving -> 422', async () => {
    const employeeId = await newHire('S001');
    expect((await h.sendHrEvent(hireEvent(employeeId, 'S001', POSITION()))).status).toBe(202);
    const revoke = revokeDismissalEvent(employeeId);
    const res = await h.sendHrEvent(revoke);
    expect(res.status).toBe(422);
    expect((await res.json()).problems).toEqual([{ field: 'data.employeeId', message: `no dismissal of employee ${employeeId} in progress to revoke (employee is onboarding)` }]);
    expect((await lifecycle(employeeId)).seenEventIds).not.toContain(revoke.id);

    const person = seededEmployee('S001');
    expect((await h.sendHrEvent(dismissEvent(person.employeeId, dayFromToday(7)))).status).toBe(202);
    await eventually(async () => (await lifecycle(person.employeeId)).status === 'leaving', 'leaving');
    const rescind = rescindEvent(person.employeeId);
    const refused = await h.sendHrEvent(rescind);
    expect(refused.status).toBe(422);
    expect((await refused.json()).problems[0].message).toContain(`employee ${person.employeeId} is leaving`);
    expect((await lifecycle(person.employeeId)).seenEventIds).not.toContain(rescind.id);
    // The dismissal in progress can still be revoked.
    expect((await h.sendHrEvent(revokeDismissalEvent(person.employeeId))).status).toBe(202);
  });
});
