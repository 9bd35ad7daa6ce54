// One training session of a store rollout (issue 10 §2) on the real dev server: the invited
// people and the curator are told; the trainer's attendance (an Update) is refused before the
// start, for people not invited and a second time; the phones prepared for those who came are
// handed over through their onboarding; who did not come is returned as a no-show.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { recordAttendanceUpdate, TRAINING_SESSION_WORKFLOW, trainingSessionWorkflowId, type TrainingSessionOutcome } from '../../workflows/training-session-contract.ts';
import { eventually, hireEvent, startHarness, storeToday, type Harness } from '../support/harness.ts';
import { simAdmin } from '../support/sim-admin.ts';

let h: Harness;
const STORE = 'S001';
beforeAll(async () => {
  h = await startHarness({ fleet: { stores: 1, employeesPerStore: 4, stockPerStore: 6 } });
}, 120_000);
afterAll(async () => h?.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const employee = async (id: string): Promise<any> => (await h.call('GET', `/employees/${id}`)).json();

/** Three people hired for the store, each with a phone prepared and waiting to be handed over. */
async function hiresWithPhonesReady(): Promise<string[]> {
  const sim = simAdmin(h.sims);
  const position = h.fleet.employees[0]!.position;
  const ids = [h.newEmployeeId(), h.newEmployeeId(), h.newEmployeeId()];
  for (const [i, employeeId] of ids.entries()) {
    await sim.addHrEmployee({ employeeId, storeId: STORE, position, startDate: storeToday(h.fleet, STORE), documentNumber: `DOC-${employeeId}` });
    await sim.addDirectoryAccount(employeeId, 0);
    expect((await h.sendHrEvent(hireEvent(employeeId, STORE, position, { startDate: storeToday(h.fleet, STORE), id: `hire-${employeeId}-${i}` }))).status).toBe(202);
  }
  for (const id of ids) await eventually(async () => (await employee(id)).onboarding?.stage === 'awaiting-handover', `${id}'s phone ready`, 90_000);
  return ids;
}

describe('a training session', () => {
  it('invites, takes the attendance once from its start, hands over the phones of those who came and returns the no-show', async () => {
    const [came1, came2, absent] = await hiresWithPhonesReady();
    const startsAt = Date.now() + 4_000;
    const session = {
      id: 'S001-T1',
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(startsAt + 60_000).toISOString(),
      room: 'R1',
      trainer: 'T1',
      employees: [came1!, came2!, absent!],
    };
    const workflowId = trainingSessionWorkflowId(STORE, session.id);
    const handle = await h.client.workflow.start(TRAINING_SESSION_WORKFLOW, {
      workflowId,
      taskQueue: h.taskQueue,
      args: [{ storeId: STORE, session, attendanceGrace: '1 minute' }],
    });

    // The invitations: one per person and one to the curator, with no names.
    await eventually(
      async () => ((await h.db.notification.count({ where: { kind: 'training-invitation', idempotencyKey: { startsWith: workflowId } } })) === 4 ? true : undefined),
      'the invitations',
    );
    const invitations = await h.db.notification.findMany({ where: { kind: 'training-invitation' } });
    expect(invitations.map((n) => n.recipient).sort()).toEqual([came1, came2, absent, 'curator'].sort());

    const record = (present: string[], by = 'trainer T1') => handle.executeUpdate(recordAttendanceUpdate, { args: [{ by, present }] });
    await expect(record([came1!])).rejects.toThrow(WorkflowUpdateFailedError);
    await eventually(async () => (Date.now() > startsAt + 500 ? true : undefined), 'the session to start');
    // Through the API, as the trainer does (the store's curator token).
    const attend = (present: string[]) => h.call('POST', `/stores/${STORE}/rollouts/sessions/${session.id}/attendance`, { present });
    const stranger = await attend([came1!, 'E-STRANGER']);
    expect(stranger.status).toBe(409);
    expect((await stranger.json()).error).toBe('not invited to session S001-T1: E-STRANGER');
    const recorded = await attend([came1!, came2!]);
    expect(recorded.status).toBe(200);
    expect(await recorded.json()).toEqual({ storeId: STORE, sessionId: session.id, present: 2, noShows: 1 });
    await expect(record([came1!])).rejects.toMatchObject({ cause: { message: expect.stringMatching(/already recorded by api:test-operator/) } });
    expect((await h.call('POST', `/stores/${STORE}/rollouts/sessions/NO-SUCH/attendance`, { present: [] })).status).toBe(404);

    const outcome: TrainingSessionOutcome = await handle.result();
    expect(outcome).toMatchObject({ present: [came1, came2].sort(), noShows: [absent], handedOver: [came1, came2].sort(), notHandedOver: [], recordedBy: 'api:test-operator' });
    for (const id of [came1!, came2!]) await eventually(async () => ((await employee(id)).employee?.status === 'ACTIVE' ? true : undefined), `${id} active`);
    // The one who did not come still waits for a hand-over.
    expect((await employee(absent!)).onboarding?.stage).toBe('awaiting-handover');
  });
});
