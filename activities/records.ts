// What people are told and what support must do, written once per idempotency key so an
// activity retried after a crash never notifies twice; and the audit log, written once per step.
import { activityInfo } from '@temporalio/activity';
import type { Prisma } from '../src/db/generated/client.ts';
import type { FleetPolicy } from '../workflows/policy.ts';
import type { ActivityDeps } from './deps.ts';
import { withoutName } from '../src/domain/curator-notices.ts';

export interface SupportTaskRequest {
  idempotencyKey: string;
  storeId: string;
  employeeId?: string;
  kind: string;
  summary: string;
}

export interface CuratorNotice {
  idempotencyKey: string;
  storeId: string;
  kind: string;
  /** Never the person's name: the curator's view fetches it from HR. */
  message: string;
  /** Whom it is about (found in the text when not given). */
  employeeId?: string;
}

export interface AuditEntry {
  action: string;
  employeeId?: string;
  storeId?: string;
  imei?: string;
  iccid?: string;
  details?: Prisma.InputJsonValue;
  /**
   * What makes this action happen once: by default the step (workflow run + activity id, the
   * same across the activity's retries); a business key (e.g. a registration's idempotency
   * key) where several steps may observe the same fact and it must be logged once.
   */
  stepKey?: string;
}

/** The workflow on whose behalf an activity acts, as the audit log's actor. */
export function actor(): string {
  try {
    return activityInfo().workflowExecution?.workflowId ?? 'system';
  } catch {
    return 'system'; // called outside an activity (API, seeding)
  }
}

/** The activity step acting now (same across its retries), or undefined outside an activity. */
export function currentStep(): string | undefined {
  try {
    const info = activityInfo();
    return info.workflowExecution ? `${info.workflowExecution.runId}:${info.activityId}` : undefined;
  } catch {
    return undefined; // API, seeding
  }
}

/**
 * Writes an audit row once per (step, action): a retry of a step that already logged (its
 * worker died after the write) writes nothing. Pass the transaction that makes the change
 * itself, so the change and its audit row are committed together or not at all.
 */
export async function audit(db: ActivityDeps['db'] | Prisma.TransactionClient, entry: AuditEntry): Promise<void> {
  await db.auditLog.createMany({ data: [{ actor: actor(), ...entry, stepKey: entry.stepKey ?? currentStep() ?? null }], skipDuplicates: true });
}

export function createRecordActivities({ db, policy }: Pick<ActivityDeps, 'db' | 'policy'>) {
  return {
    /**
     * The fleet policy this worker runs with now: each phase reads it when it starts, so a
     * changed policy (new worker configuration) reaches people whose lifecycle began earlier.
     */
    async currentPolicy(): Promise<FleetPolicy | null> {
      return policy ?? null;
    },

    async openSupportTask(task: SupportTaskRequest): Promise<void> {
      await db.$transaction(async (tx) => {
        const { count } = await tx.supportTask.createMany({ data: [task], skipDuplicates: true });
        if (count) await audit(tx, { action: 'support-task.opened', employeeId: task.employeeId, storeId: task.storeId, details: { kind: task.kind }, stepKey: task.idempotencyKey });
      });
    },

    async notifyCurator(notice: CuratorNotice): Promise<void> {
      await db.$transaction(async (tx) => {
        const { count } = await tx.notification.createMany({ data: [{ ...withoutName(notice), recipient: 'curator' }], skipDuplicates: true });
        if (count) await audit(tx, { action: 'curator.notified', storeId: notice.storeId, details: { kind: notice.kind }, stepKey: notice.idempotencyKey });
      });
    },
  };
}

export type RecordActivities = ReturnType<typeof createRecordActivities>;
