// What people are told and what support must do, written once per idempotency key so an
// activity retried after a crash never notifies twice; and the audit log, written once per step.
import { audit } from '../src/inventory/audit.ts';
import type { FleetPolicy } from '../workflows/policy.ts';
import type { ActivityDeps } from './deps.ts';
import { withoutName } from '../src/domain/curator-notices.ts';
import { enqueueNotification, wakeNotificationDelivery } from './notifications.ts';

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

// The audit log lives with the records it describes (src/inventory/audit.ts).
export { actor, audit, currentStep, type AuditEntry } from '../src/inventory/audit.ts';

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
        if (count)
          await audit(tx, { action: 'support-task.opened', employeeId: task.employeeId, storeId: task.storeId, details: { kind: task.kind }, stepKey: task.idempotencyKey });
      });
    },

    async notifyCurator(notice: CuratorNotice): Promise<void> {
      // The notice and its deliveries (e-mail, phone) in one transaction; the deliverer sends them.
      await db.$transaction(async (tx) => {
        const fresh = await enqueueNotification(tx, { ...withoutName(notice), recipient: 'curator' });
        if (fresh) await audit(tx, { action: 'curator.notified', storeId: notice.storeId, details: { kind: notice.kind }, stepKey: notice.idempotencyKey });
      });
      // Also on a retry that found the rows written: its first attempt may have died before waking.
      await wakeNotificationDelivery();
    },
  };
}

export type RecordActivities = ReturnType<typeof createRecordActivities>;
