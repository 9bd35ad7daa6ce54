// What people are told and what support must do, written once per idempotency key so an
// activity retried after a crash never notifies twice.
import { activityInfo } from '@temporalio/activity';
import type { Prisma } from '../src/db/generated/client.ts';
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
}

/** The workflow on whose behalf an activity acts, as the audit log's actor. */
export function actor(): string {
  try {
    return activityInfo().workflowExecution?.workflowId ?? 'system';
  } catch {
    return 'system'; // called outside an activity (API, seeding)
  }
}

export function audit(db: ActivityDeps['db'] | Prisma.TransactionClient, entry: AuditEntry) {
  return db.auditLog.create({ data: { actor: actor(), ...entry } });
}

export function createRecordActivities({ db }: Pick<ActivityDeps, 'db'>) {
  return {
    async openSupportTask(task: SupportTaskRequest): Promise<void> {
      const { count } = await db.supportTask.createMany({ data: [task], skipDuplicates: true });
      if (count) await audit(db, { action: 'support-task.opened', employeeId: task.employeeId, storeId: task.storeId, details: { kind: task.kind } });
    },

    async notifyCurator(notice: CuratorNotice): Promise<void> {
      const { count } = await db.notification.createMany({ data: [{ ...withoutName(notice), recipient: 'curator' }], skipDuplicates: true });
      if (count) await audit(db, { action: 'curator.notified', storeId: notice.storeId, details: { kind: notice.kind } });
    },
  };
}

export type RecordActivities = ReturnType<typeof createRecordActivities>;
