// What the fleet's data is used for, after each sync (and on demand): the phone directory brought
// up to date, the anomalies found and recorded, then the safe fixes done and the rest handed to
// support. Safe automatically: submitting a missing owner registration (identity data fetched from
// HR inside this activity, never stored, logged or returned), suspending the SIM of someone whose
// leaver finished, and following each accepted registration until the person confirms it on the
// state portal (reminders, then support before the operator's cut-off). Everything else: one
// support task per anomaly. Every step is keyed by the run or the subject, so a retried or second
// run changes nothing more; a dry run writes nothing and says what it would do.
import { heartbeat } from '@temporalio/activity';
import { msToNumber, type Duration } from '@temporalio/common/lib/time.js';
import type { AnomalyKind, DetectedAnomaly } from '../src/domain/anomalies.ts';
import { messageLanguage } from '../src/domain/phone-messages.ts';
import { anomalies, audit, directory, sims } from '../src/inventory/index.ts';
import { DEFAULT_FLEET_DATA_POLICY, type FleetDataPolicy } from '../workflows/policy.ts';
import type { ActivityDeps } from './deps.ts';
import { enqueueNotification, wakeNotificationDelivery } from './notifications.ts';
import { submitOwnerRegistration } from './sim-owner.ts';

export interface ReconcileInput {
  /** The sync run (or on-demand run) this belongs to: keys of what it submits derive from it. */
  runId: string;
  dryRun: boolean;
  /** The moment the data is judged at (ISO). */
  now: string;
}

export type ReconcileActionName =
  | 'submit-owner-registration'
  | 'check-owner-registration'
  | 'suspend-sim'
  | 'open-support-task'
  | 'check-owner-confirmation'
  | 'record-owner-confirmation'
  | 'remind-owner-confirmation'
  | 'warn-owner-confirmation';

/** One thing done (or, in a dry run, to be done). Ids only. */
export interface ReconcileAction {
  action: ReconcileActionName;
  subject: string;
  kind?: AnomalyKind | 'sim-owner-unconfirmed';
  storeId: string | null;
}

export interface ReconcileSummary {
  runId: string;
  dryRun: boolean;
  now: string;
  directory: { opened: number; closed: number };
  anomalies: { open: number; opened: number; resolved: number; byKind: Partial<Record<AnomalyKind, number>> };
  /** planned: what this run decided to do; done: what it did (0 in a dry run). */
  remediations: { planned: number; done: number };
  supportTasksOpened: number;
  remindersSent: number;
  /** The first MAX_ACTIONS of them; actionsLeftOut says how many more. */
  actions: ReconcileAction[];
  actionsLeftOut: number;
}

const MAX_ACTIONS = 200;
const DAY_MS = 86_400_000;
const ms = (d: Duration): number => msToNumber(d);

const beat = (what: unknown) => {
  try {
    heartbeat(what);
  } catch {
    // outside an activity (a test calling the function): nobody to tell
  }
};

/** What support reads in the task: ids and codes, never names. */
function taskSummary(a: DetectedAnomaly): string {
  const d = a.details;
  switch (a.kind) {
    case 'sim-in-foreign-phone':
      return `SIM ${a.subject} (holder ${a.employeeId ?? 'none'}) is in phone ${String(d.imei)} (holder ${String(d.phoneHolder ?? 'none')}): check who has it`;
    case 'sim-not-seen':
      return `SIM ${a.subject} of ${a.employeeId} has not been seen in any phone since ${String(d.lastSeenAt ?? 'ever')}: find it`;
    case 'leaver-sim-active':
      return `SIM ${a.subject} of ${a.employeeId}, who left (HR), is still active and their leaver has not finished: check and suspend`;
    case 'sim-unregistered':
      return `SIM ${a.subject} of ${a.employeeId} has no accepted owner registration (${String(d.registration)}): resubmit with corrected data`;
    case 'number-unknown-to-operator':
      return `Number ${String(d.msisdn)} of SIM ${a.subject} is unknown to the operator (operator has ${String(d.operatorMsisdn ?? 'none')}): correct the records`;
    case 'phone-silent':
      return `Phone ${a.subject} of ${a.employeeId} has not checked in since ${String(d.lastCheckInAt)}: call the store`;
    case 'iccid-in-two-phones':
      return `SIM ${a.subject} is reported by phones ${(d.imeis as string[]).join(', ')}: check both`;
    case 'phone-enrolled-for-leaver':
      return `Phone ${a.subject} is still assigned to ${a.employeeId}, who left: collect it and unenrol`;
    case 'employee-with-two-phones':
      return `${a.subject} holds phones ${(d.imeis as string[]).join(', ')}: collect the spare one`;
  }
}

export function createReconciliationActivities(deps: ActivityDeps) {
  const { db, operator } = deps;
  const fleetPolicy = (): FleetDataPolicy => deps.policy?.fleet ?? DEFAULT_FLEET_DATA_POLICY;

  /** One task per key; returns its id and whether this call opened it. */
  async function openTask(task: { idempotencyKey: string; storeId: string; employeeId?: string | null; kind: string; summary: string }): Promise<{ id: number; created: boolean }> {
    return db.$transaction(async (tx) => {
      const { count } = await tx.supportTask.createMany({ data: [{ ...task, employeeId: task.employeeId ?? null }], skipDuplicates: true });
      if (count)
        await audit(tx, {
          action: 'support-task.opened',
          employeeId: task.employeeId ?? undefined,
          storeId: task.storeId,
          details: { kind: task.kind },
          stepKey: task.idempotencyKey,
        });
      const { id } = await tx.supportTask.findUniqueOrThrow({ where: { idempotencyKey: task.idempotencyKey }, select: { id: true } });
      return { id, created: count > 0 };
    });
  }

  return {
    async reconcileFleet(input: ReconcileInput): Promise<ReconcileSummary> {
      const now = new Date(input.now);
      if (Number.isNaN(now.getTime())) throw new TypeError(`reconcileFleet: now "${input.now}" is not a date`);
      const { dryRun, runId } = input;
      const policy = fleetPolicy();
      const anomalyPolicy = { simUnseenDays: ms(policy.simUnseenAfter) / DAY_MS, phoneSilentDays: ms(policy.phoneSilentAfter) / DAY_MS };
      const actions: ReconcileAction[] = [];
      let done = 0;
      let supportTasksOpened = 0;
      let remindersSent = 0;
      const plan = (a: ReconcileAction) => actions.push(a);

      // 1. The directory.
      const links = await directory.refreshDirectory(db, { now, dryRun });
      beat('directory');

      // 2. The anomalies, as the data shows them now.
      const detected = await anomalies.detectInFleet(db, anomalyPolicy, now);
      const recorded = await anomalies.recordAnomalies(db, detected, { now, dryRun });
      beat('anomalies');

      // 3. Safe fixes; the rest to support.
      const simsByIccid = new Map(
        (
          await db.sim.findMany({ where: { iccid: { in: recorded.open.filter((a) => a.kind === 'sim-unregistered' || a.kind === 'leaver-sim-active').map((a) => a.subject) } } })
        ).map((s) => [s.iccid, s]),
      );
      for (const anomaly of recorded.open) {
        beat(anomaly.subject);
        const base = { subject: anomaly.subject, kind: anomaly.kind, storeId: anomaly.storeId };
        const sim = simsByIccid.get(anomaly.subject);

        if (anomaly.kind === 'sim-unregistered' && sim && sim.employeeId && (sim.ownerRegistration === 'NONE' || sim.ownerRegistration === 'WITHDRAWN')) {
          plan({ ...base, action: 'submit-owner-registration' });
          if (dryRun) continue;
          // An earlier run's submission that died before it was recorded keeps its key: the operator is asked for it first.
          const unrecorded = sim.ownerRegistration === 'NONE' && sim.ownerRegistrationKey && !sim.ownerRegistrationId;
          const idempotencyKey = unrecorded ? sim.ownerRegistrationKey! : `reconcile:${runId}:owner-registration:${sim.iccid}`;
          await submitOwnerRegistration(deps, { employeeId: sim.employeeId, iccid: sim.iccid, idempotencyKey });
          done += 1;
          continue;
        }
        if (anomaly.kind === 'sim-unregistered' && sim && sim.ownerRegistration === 'PENDING' && sim.ownerRegistrationId) {
          plan({ ...base, action: 'check-owner-registration' });
          if (dryRun) continue; // a dry run asks no one: the check is what it would do
          const registration = await operator.getOwnerRegistration(sim.ownerRegistrationId);
          if (registration.status !== 'PENDING') {
            await sims.recordOwnerDecision(db, { iccid: sim.iccid, registration });
            done += 1;
          }
          continue;
        }
        if (anomaly.kind === 'sim-unregistered' && sim?.ownerRegistration === 'PENDING') continue; // submitted, not yet known: wait

        if (anomaly.kind === 'leaver-sim-active' && sim && anomaly.details.leaverFinished === true) {
          plan({ ...base, action: 'suspend-sim' });
          if (dryRun) continue;
          const atOperator = await operator.getSim(sim.iccid);
          if (atOperator && atOperator.status !== 'SUSPENDED') await operator.setSimStatus(sim.iccid, 'SUSPENDED');
          await db.$transaction(async (tx) => {
            await tx.sim.update({
              where: { iccid: sim.iccid },
              data: { operatorStatus: 'SUSPENDED', operatorUpdatedAt: now, ...(sim.state === 'IN_USE' ? { state: 'SUSPENDED' } : {}) },
            });
            await audit(tx, {
              action: 'sim.suspended',
              employeeId: sim.employeeId ?? undefined,
              iccid: sim.iccid,
              storeId: sim.storeId,
              details: { reason: 'holder left: leaver finished', anomalyId: anomaly.id },
              stepKey: `reconcile:suspend:${sim.iccid}:${anomaly.id}`,
            });
          });
          done += 1;
          continue;
        }

        // Everything else: support, once per anomaly.
        if (anomaly.supportTaskId !== null || !anomaly.storeId) continue;
        plan({ ...base, action: 'open-support-task' });
        if (dryRun) continue;
        const task = await openTask({
          idempotencyKey: `anomaly:${anomaly.id}`,
          storeId: anomaly.storeId,
          employeeId: anomaly.employeeId,
          kind: `anomaly-${anomaly.kind}`,
          summary: taskSummary(anomaly),
        });
        await anomalies.linkSupportTask(db, { anomalyId: anomaly.id!, supportTaskId: task.id });
        if (task.created) supportTasksOpened += 1;
        done += 1;
      }

      // 4. Accepted registrations the person has not confirmed on the state portal yet.
      const unconfirmed = await db.sim.findMany({
        where: { ownerRegistration: 'ACCEPTED', ownerConfirmedAt: null, ownerRegistrationId: { not: null }, employeeId: { not: null }, state: 'IN_USE' },
        include: { store: { select: { language: true } } },
        orderBy: { iccid: 'asc' },
      });
      let notified = false;
      for (const sim of unconfirmed) {
        beat(sim.iccid);
        const base0 = { subject: sim.iccid, storeId: sim.storeId, kind: 'sim-owner-unconfirmed' as const };
        if (dryRun && !sim.ownerConfirmDeadline) {
          // A dry run asks no one: it would ask the operator whether the person confirmed.
          plan({ ...base0, action: 'check-owner-confirmation' });
          continue;
        }
        const registration = dryRun
          ? { registrationId: sim.ownerRegistrationId!, status: 'ACCEPTED' as const, confirmBy: sim.ownerConfirmDeadline!.toISOString(), confirmedAt: undefined }
          : await operator.getOwnerRegistration(sim.ownerRegistrationId!);
        const base = { subject: sim.iccid, storeId: sim.storeId, kind: 'sim-owner-unconfirmed' as const };
        if (registration.status !== 'ACCEPTED') continue; // withdrawn or re-decided: the anomalies above see it next time
        if (registration.confirmedAt) {
          plan({ ...base, action: 'record-owner-confirmation' });
          if (dryRun) continue;
          await db.$transaction(async (tx) => {
            await tx.sim.update({ where: { iccid: sim.iccid }, data: { ownerConfirmedAt: new Date(registration.confirmedAt!) } });
            await audit(tx, {
              action: 'sim-owner.confirmed',
              iccid: sim.iccid,
              employeeId: sim.employeeId!,
              details: { registrationId: registration.registrationId },
              stepKey: `owner-confirm:${registration.registrationId}`,
            });
          });
          done += 1;
          continue;
        }
        const deadline = registration.confirmBy ? new Date(registration.confirmBy) : (sim.ownerConfirmDeadline ?? new Date(now.getTime() + ms(policy.ownerConfirmWithin)));
        const due = policy.ownerConfirmReminderDays.filter((days) => now.getTime() >= deadline.getTime() - days * DAY_MS).length;
        const warn = now.getTime() >= deadline.getTime() - ms(policy.ownerConfirmWarnBefore);
        if (due > sim.ownerRemindersSent) plan({ ...base, action: 'remind-owner-confirmation' });
        if (warn) plan({ ...base, action: 'warn-owner-confirmation' });
        if (dryRun) continue;
        if (sim.ownerConfirmDeadline?.getTime() !== deadline.getTime()) await db.sim.update({ where: { iccid: sim.iccid }, data: { ownerConfirmDeadline: deadline } });
        if (due > sim.ownerRemindersSent) {
          const by = deadline.toISOString().slice(0, 10);
          const ru = messageLanguage(sim.store.language) === 'ru';
          const key = `owner-confirm:${registration.registrationId}:reminder-${due}`;
          await db.$transaction(async (tx) => {
            await enqueueNotification(tx, {
              idempotencyKey: `${key}:person`,
              storeId: sim.storeId,
              recipient: sim.employeeId!,
              employeeId: sim.employeeId!,
              kind: 'sim-owner-confirm',
              channels: ['phone'],
              message: ru
                ? `Подтвердите на Госуслугах, что корпоративная SIM-карта ${sim.msisdn ?? sim.iccid} оформлена на вас, до ${by}, иначе оператор отключит номер.`
                : `Confirm on the state portal that the corporate SIM ${sim.msisdn ?? sim.iccid} is registered to you by ${by}, or the operator switches the number off.`,
            });
            await enqueueNotification(tx, {
              idempotencyKey: `${key}:curator`,
              storeId: sim.storeId,
              recipient: 'curator',
              employeeId: sim.employeeId!,
              kind: 'sim-owner-confirm',
              message: ru
                ? `Сотрудник ${sim.employeeId} ещё не подтвердил регистрацию SIM-карты ${sim.msisdn ?? sim.iccid} на Госуслугах; срок ${by}.`
                : `Employee ${sim.employeeId} has not yet confirmed the registration of SIM ${sim.msisdn ?? sim.iccid} on the state portal; cut-off ${by}.`,
            });
            await tx.sim.update({ where: { iccid: sim.iccid }, data: { ownerRemindersSent: due } });
            await audit(tx, { action: 'sim-owner.reminded', iccid: sim.iccid, employeeId: sim.employeeId!, details: { reminder: due, confirmBy: by }, stepKey: key });
          });
          remindersSent += 1;
          notified = true;
          done += 1;
        }
        if (warn) {
          const task = await openTask({
            idempotencyKey: `owner-confirm:${registration.registrationId}`,
            storeId: sim.storeId,
            employeeId: sim.employeeId,
            kind: 'sim-owner-unconfirmed',
            summary: `${sim.employeeId} has not confirmed the owner registration of SIM ${sim.iccid} on the state portal; the operator cuts the number off on ${deadline.toISOString().slice(0, 10)}`,
          });
          if (task.created) {
            supportTasksOpened += 1;
            done += 1;
          }
        }
      }
      if (notified) await wakeNotificationDelivery();

      // 5. What the fixes changed: those anomalies are resolved now.
      let resolved = recorded.resolved.length;
      if (!dryRun && done > 0) {
        const after = await anomalies.recordAnomalies(db, await anomalies.detectInFleet(db, anomalyPolicy, now), { now, dryRun: false });
        resolved += after.resolved.length;
      }

      const byKind: Partial<Record<AnomalyKind, number>> = {};
      for (const a of recorded.open) byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
      return {
        runId,
        dryRun,
        now: now.toISOString(),
        directory: { opened: links.opened.length, closed: links.closed.length },
        anomalies: { open: recorded.open.length, opened: recorded.opened.length, resolved, byKind },
        remediations: { planned: actions.length, done },
        supportTasksOpened,
        remindersSent,
        actions: actions.slice(0, MAX_ACTIONS),
        actionsLeftOut: Math.max(0, actions.length - MAX_ACTIONS),
      };
    },
  };
}

export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;
