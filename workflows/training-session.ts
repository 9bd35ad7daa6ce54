// One training session of a store rollout: the invited employees (and the store's curator) are
// told where and when a day ahead; from its start the trainer records who came (an Update); the
// phones prepared for those who came are handed over there, through each one's onboarding; who
// did not come is returned to the rollout, which plans them into a later session. Until its start
// the rollout may change it: people withdrawn (they left, or moved to another session) and the
// whole session cancelled (Temporal's cancellation); whoever was already invited is told.
import { allHandlersFinished, CancellationScope, condition, getExternalWorkflowHandle, isCancellation, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { sessionHeldSignal } from './store-rollout-contract.ts';
import { msToNumber } from '@temporalio/common/lib/time.js';
import type { RolloutActivities } from '../activities/rollout.ts';
import { retryForever } from './kit/activity-options.ts';
import { proxyActivitiesByQueue } from './kit/task-queues.ts';
import {
  recordAttendanceUpdate,
  sessionProgressQuery,
  withdrawFromSessionSignal,
  type Attendance,
  type SessionProgress,
  type TrainingSessionInput,
  type TrainingSessionOutcome,
} from './training-session-contract.ts';

const { inviteToSession, handOverAtSession, phonesNotActivated, tellSessionCancelled } = proxyActivitiesByQueue<RolloutActivities>({
  // A notification row per person (the deliverer sends them), or one hand-over per person present.
  startToCloseTimeout: '2 minutes',
  retry: retryForever('5 minutes'),
});

export async function trainingSession(input: TrainingSessionInput): Promise<TrainingSessionOutcome> {
  const { storeId, session } = input;
  // What makes each notice of this session once-only: its workflow id (a session is held once).
  const key = workflowInfo().workflowId;
  const startsAt = Date.parse(session.startsAt);
  const closesAt = Date.parse(session.endsAt) + msToNumber(input.attendanceGrace ?? '2 hours');
  const invited = new Set(session.employees);
  const progress: SessionProgress = { state: 'scheduled', invited: invited.size };
  let attendance: Attendance | undefined;
  // From the moment the invitations are sent: a cancellation during the call cannot tell whether
  // they went out, and a notice too many is better than someone coming to a session that is off.
  let invitationsOut = false;
  const tell = (employees: string[], whole: boolean) =>
    tellSessionCancelled({ storeId, sessionId: session.id, employees, startsAt: session.startsAt, room: session.room, key, whole });

  setHandler(sessionProgressQuery, () => progress);
  setHandler(
    recordAttendanceUpdate,
    (a) => {
      attendance = { by: a.by, present: [...new Set(a.present)].sort() };
      return { present: attendance.present.length, noShows: invited.size - attendance.present.length };
    },
    {
      // Workflow time: the same answer on a replay.
      validator: (a: Attendance) => {
        if (attendance) throw new Error(`attendance of session ${session.id} was already recorded by ${attendance.by}`);
        if (Date.now() < startsAt) throw new Error(`session ${session.id} starts at ${session.startsAt}: attendance is recorded from then`);
        if (Date.now() >= closesAt) throw new Error(`session ${session.id} is closed: who did not come is planned into a later session`);
        if (!a.by) throw new Error('attendance needs who records it');
        const strangers = a.present.filter((e) => !invited.has(e));
        if (strangers.length) throw new Error(`not invited to session ${session.id}: ${strangers.join(', ')}`);
      },
    },
  );
  setHandler(withdrawFromSessionSignal, async (w) => {
    // From its start the trainer's list is the session's: the rollout withdraws only before.
    if (Date.now() >= startsAt) return;
    const leaving = w.employees.filter((e) => invited.has(e)).sort();
    for (const e of leaving) invited.delete(e);
    progress.invited = invited.size;
    // Someone who left the company is not written to; someone moved is, once invited. Not
    // cancelled with the session: a notice begun is finished.
    if (w.why === 'moved' && invitationsOut && leaving.length) await CancellationScope.nonCancellable(() => tell(leaving, false));
  });

  try {
    // Told a day ahead (or at once when the session is closer than that).
    const inviteAt = startsAt - msToNumber(input.inviteAhead ?? '1 day');
    if (inviteAt > Date.now()) await sleep(inviteAt - Date.now());
    invitationsOut = true;
    await inviteToSession({ storeId, sessionId: session.id, employees: [...invited].sort(), startsAt: session.startsAt, room: session.room, key });
    progress.state = 'invited';
    if (startsAt > Date.now()) await sleep(startsAt - Date.now());
  } catch (err) {
    if (!isCancellation(err)) throw err;
    return await CancellationScope.nonCancellable(cancelled);
  }
  // From its start the session is held as planned: the rollout never moves a session under way,
  // and a cancellation now (by hand) would lose the attendance and the hand-overs.
  return await CancellationScope.nonCancellable(hold);

  /** Taken out of the plan before its start: the invited told, the rollout told (it places them). */
  async function cancelled(): Promise<TrainingSessionOutcome> {
    progress.state = 'cancelled';
    if (invitationsOut && invited.size) await tell([...invited].sort(), true);
    const outcome: TrainingSessionOutcome = { sessionId: session.id, present: [], noShows: [], handedOver: [], notHandedOver: [], cancelled: true };
    progress.outcome = outcome;
    // The rollout that cancelled it knows already (and may be over); one cancelled by hand learns it here.
    if (input.rolloutWorkflowId)
      await getExternalWorkflowHandle(input.rolloutWorkflowId)
        .signal(sessionHeldSignal, outcome)
        .catch(() => undefined);
    await condition(allHandlersFinished);
    return outcome;
  }

  async function hold(): Promise<TrainingSessionOutcome> {
    progress.state = 'open';
    await condition(() => attendance !== undefined, Math.max(0, closesAt - Date.now()));

    const present = attendance?.present ?? [];
    // A phone is handed over signed in: while the link is still carrying some images, the session
    // waits for them (never past its close), and hands the others over later through the curator.
    let imageMissing: string[] = [];
    if (present.length && input.waitForImages) {
      progress.state = 'waiting-for-images';
      const poll = msToNumber(input.imagePoll ?? '5 minutes');
      for (;;) {
        imageMissing = await phonesNotActivated({ storeId, employees: present });
        if (imageMissing.length === 0 || Date.now() >= closesAt) break;
        await sleep(Math.min(poll, closesAt - Date.now()));
      }
    }
    const ready = present.filter((e) => !imageMissing.includes(e));
    progress.state = 'handing-over';
    const handed = ready.length ? await handOverAtSession({ storeId, sessionId: session.id, employees: ready, by: attendance!.by }) : { handedOver: [], notHandedOver: [] };
    const handedOver = handed.handedOver;
    const notHandedOver = [
      ...handed.notHandedOver,
      ...imageMissing.map((employeeId) => ({ employeeId, reason: 'its image was still downloading when the session closed: hand it over once it has signed in' })),
    ];
    const outcome: TrainingSessionOutcome = {
      sessionId: session.id,
      present,
      noShows: [...invited].filter((e) => !present.includes(e)).sort(),
      handedOver,
      notHandedOver,
      ...(attendance ? { recordedBy: attendance.by } : {}),
    };
    progress.state = 'closed';
    progress.outcome = outcome;
    if (input.rolloutWorkflowId) await getExternalWorkflowHandle(input.rolloutWorkflowId).signal(sessionHeldSignal, outcome);
    return outcome;
  }
}
