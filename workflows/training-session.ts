// One training session of a store rollout: the invited employees (and the store's curator) are
// told where and when a day ahead; from its start the trainer records who came (an Update); the
// phones prepared for those who came are handed over there, through each one's onboarding; who
// did not come is returned to the rollout, which plans them into a later session.
import { condition, getExternalWorkflowHandle, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import { sessionHeldSignal } from './store-rollout-contract.ts';
import { msToNumber } from '@temporalio/common/lib/time.js';
import type { RolloutActivities } from '../activities/rollout.ts';
import { retryForever } from './kit/activity-options.ts';
import { proxyActivitiesByQueue } from './kit/task-queues.ts';
import {
  recordAttendanceUpdate,
  sessionProgressQuery,
  type Attendance,
  type SessionProgress,
  type TrainingSessionInput,
  type TrainingSessionOutcome,
} from './training-session-contract.ts';

const { inviteToSession, handOverAtSession, phonesNotActivated } = proxyActivitiesByQueue<RolloutActivities>({
  // A notification row per person (the deliverer sends them), or one hand-over per person present.
  startToCloseTimeout: '2 minutes',
  retry: retryForever('5 minutes'),
});

export async function trainingSession(input: TrainingSessionInput): Promise<TrainingSessionOutcome> {
  const { storeId, session } = input;
  const startsAt = Date.parse(session.startsAt);
  const closesAt = Date.parse(session.endsAt) + msToNumber(input.attendanceGrace ?? '2 hours');
  const invited = new Set(session.employees);
  const progress: SessionProgress = { state: 'scheduled', invited: invited.size };
  let attendance: Attendance | undefined;

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

  // Told a day ahead (or at once when the session is closer than that).
  const inviteAt = startsAt - msToNumber(input.inviteAhead ?? '1 day');
  if (inviteAt > Date.now()) await sleep(inviteAt - Date.now());
  await inviteToSession({ storeId, sessionId: session.id, employees: session.employees, startsAt: session.startsAt, room: session.room, key: workflowInfo().workflowId });
  progress.state = 'invited';

  if (startsAt > Date.now()) await sleep(startsAt - Date.now());
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
    noShows: session.employees.filter((e) => !present.includes(e)).sort(),
    handedOver,
    notHandedOver,
    ...(attendance ? { recordedBy: attendance.by } : {}),
  };
  progress.state = 'closed';
  progress.outcome = outcome;
  if (input.rolloutWorkflowId) await getExternalWorkflowHandle(input.rolloutWorkflowId).signal(sessionHeldSignal, outcome);
  return outcome;
}
