// The audit log, written once per step: every transition of the inventory writes its entry in
// the transaction that makes the change, so the change and its entry commit together or not at all.
import { activityInfo } from '@temporalio/activity';
import type { Db } from '../db/client.ts';
import type { Prisma } from '../db/generated/client.ts';

/** A client or the transaction a change is written in. */
export type DbOrTx = Db | Prisma.TransactionClient;

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
 * Writes an audit row once per (step, action) (AuditLog is unique on them): a retry of a step
 * that already logged (its worker died after the write) writes nothing.
 */
export async function audit(db: DbOrTx, entry: AuditEntry): Promise<void> {
  await db.auditLog.createMany({ data: [{ actor: actor(), ...entry, stepKey: entry.stepKey ?? currentStep() ?? null }], skipDuplicates: true });
}
