// What a store rollout's training sessions do outside the workflow: tell the people invited
// (and the curator) where and when, and hand over the phones prepared for those who came through
// each one's onboarding (the joiner's hand-over Update, as the curator's `device handover` does).
// Employee ids only: no names in rows or messages.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { handOverUpdate, joinerWorkflowId } from '../workflows/joiner-contract.ts';
import { placeNoShows, TrainingPlanInfeasible, type PlannedSession, type TrainingPlanInput } from '../src/domain/training-plan.ts';
import type { ActivityDeps } from './deps.ts';
import { enqueueNotification, wakeNotificationDelivery } from './notifications.ts';

export function createRolloutActivities({ db }: Pick<ActivityDeps, 'db'>) {
  return {
    /** A session's no-shows placed into later sessions around those not yet held (src/domain/training-plan.ts placeNoShows); who fits nowhere, with why. */
    async placeRolloutNoShows({
      planInput,
      noShows,
      booked,
      notBefore,
    }: {
      planInput: TrainingPlanInput;
      noShows: string[];
      booked: PlannedSession[];
      notBefore: string;
    }): Promise<{ sessions: PlannedSession[]; unplaced: { employeeId: string; reason: string }[] }> {
      try {
        return { sessions: placeNoShows(planInput, noShows, booked, notBefore).sessions, unplaced: [] };
      } catch (err) {
        if (!(err instanceof TrainingPlanInfeasible)) throw err;
        return { sessions: [], unplaced: noShows.map((employeeId) => ({ employeeId, reason: err.message })) };
      }
    },

    /** One invitation per employee and one to the curator, once per session (the key is the session's workflow id). */
    async inviteToSession({
      storeId,
      sessionId,
      employees,
      startsAt,
      room,
      key,
    }: {
      storeId: string;
      sessionId: string;
      employees: string[];
      startsAt: string;
      room: string;
      key: string;
    }): Promise<number> {
      const store = await db.store.findUniqueOrThrow({ where: { id: storeId }, select: { timeZone: true } });
      const when = new Intl.DateTimeFormat('en-GB', { timeZone: store.timeZone, dateStyle: 'full', timeStyle: 'short' }).format(new Date(startsAt));
      const message = `Training for your new work phone: ${when}, room ${room}. Your phone is handed over at the session; bring your staff card.`;
      let written = 0;
      await db.$transaction(async (tx) => {
        for (const employeeId of employees) {
          if (
            await enqueueNotification(tx, {
              idempotencyKey: `${key}:invite:${employeeId}`,
              storeId,
              recipient: employeeId,
              employeeId,
              kind: 'training-invitation',
              message,
              channels: ['email'],
            })
          )
            written += 1;
        }
        if (
          await enqueueNotification(tx, {
            idempotencyKey: `${key}:invite:curator`,
            storeId,
            recipient: 'curator',
            kind: 'training-invitation',
            message: `Training session ${sessionId}: ${when}, room ${room}, ${employees.length} people invited (${employees.join(', ')}).`,
            channels: ['email'],
          })
        )
          written += 1;
      });
      if (written) await wakeNotificationDelivery();
      return written;
    },

    /** The phone prepared for each employee who came, handed over at the session (a second time changes nothing). */
    async handOverAtSession({
      storeId,
      sessionId,
      employees,
      by,
    }: {
      storeId: string;
      sessionId: string;
      employees: string[];
      by: string;
    }): Promise<{ handedOver: string[]; notHandedOver: { employeeId: string; reason: string }[] }> {
      const client = Context.current().client;
      const handedOver: string[] = [];
      const notHandedOver: { employeeId: string; reason: string }[] = [];
      const devices = await db.device.findMany({ where: { employeeId: { in: employees }, storeId }, select: { imei: true, employeeId: true, state: true } });
      for (const employeeId of employees) {
        Context.current().heartbeat(employeeId);
        const device = devices.find((d) => d.employeeId === employeeId && d.state !== 'RETURNED');
        if (!device) {
          notHandedOver.push({ employeeId, reason: 'no phone is prepared for them yet' });
          continue;
        }
        if (device.state === 'IN_USE') {
          handedOver.push(employeeId);
          continue;
        }
        try {
          // Given up with the activity (a worker shutting down cancels it): the onboarding may
          // be served by this very worker, which no longer polls.
          await client.withAbortSignal(Context.current().cancellationSignal, () =>
            client.workflow
              .getHandle(joinerWorkflowId(employeeId))
              .executeUpdate(handOverUpdate, { args: [{ imei: device.imei, at: new Date().toISOString(), by: `${by} (training session ${sessionId})` }] }),
          );
          handedOver.push(employeeId);
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) notHandedOver.push({ employeeId, reason: 'no onboarding is running for them' });
          else if (err instanceof WorkflowUpdateFailedError)
            notHandedOver.push({ employeeId, reason: `the onboarding refused the hand-over: ${err.cause?.message ?? err.message}` });
          else throw err;
        }
      }
      return { handedOver, notHandedOver };
    },
  };
}

export type RolloutActivities = ReturnType<typeof createRolloutActivities>;
