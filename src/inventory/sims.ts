// A corporate SIM in the records: its owner registration at the operator (the person behind
// it, as the law asks), its service suspended or resumed, and its way back to stock.
import type { Db } from '../db/client.ts';
import type { Prisma, SimState } from '../db/generated/client.ts';
import { audit } from './audit.ts';
import { IllegalTransition, UnknownRecord } from './errors.ts';

export interface OwnerRegistrationAnswer {
  registrationId: string;
  status: 'PENDING' | 'ACCEPTED' | 'REJECTED' | 'WITHDRAWN';
  reason?: string;
}

/** From which states each transition may start (its own target included: a retried step). */
export const SIM_TRANSITIONS = {
  suspend: ['IN_USE', 'SUSPENDED'],
  resume: ['IN_USE', 'SUSPENDED'],
  restock: ['IN_USE', 'SUSPENDED', 'IN_STOCK'],
} as const satisfies Record<string, readonly SimState[]>;

async function moveSim(tx: Prisma.TransactionClient, iccid: string, transition: keyof typeof SIM_TRANSITIONS, data: Prisma.SimUncheckedUpdateManyInput) {
  const [moved] = await tx.sim.updateManyAndReturn({ where: { iccid, state: { in: [...SIM_TRANSITIONS[transition]] } }, data });
  if (moved) return moved;
  const sim = await tx.sim.findUnique({ where: { iccid } });
  if (!sim) throw new UnknownRecord('UnknownSim', `SIM ${iccid} is not in phonefleet's inventory`);
  throw new IllegalTransition({ sim: iccid }, `be ${transition === 'restock' ? 'restocked' : `${transition}ed`}`, sim.state);
}

/** A registration's submission and decision are each logged once, whichever step saw them. */
const registrationStep = (registrationId: string) => `owner-registration:${registrationId}`;

function auditDecision(tx: Prisma.TransactionClient, iccid: string, registration: OwnerRegistrationAnswer) {
  if (registration.status !== 'ACCEPTED' && registration.status !== 'REJECTED') return Promise.resolve();
  return audit(tx, {
    action: `sim-owner.${registration.status.toLowerCase()}`,
    iccid,
    details: { registrationId: registration.registrationId, reason: registration.reason ?? null },
    stepKey: registrationStep(registration.registrationId),
  });
}

/** Written BEFORE the operator is called: a retry (or the undo) finds the submission by its key. */
export async function startOwnerRegistration(db: Db, { iccid, idempotencyKey }: { iccid: string; idempotencyKey: string }): Promise<void> {
  await db.sim.update({ where: { iccid }, data: { ownerRegistrationKey: idempotencyKey, ownerRegistrationId: null, ownerRegistration: 'NONE' } });
}

/** The operator has the registration (and may have decided already). */
export async function recordOwnerRegistration(
  db: Db,
  { employeeId, iccid, registration }: { employeeId: string; iccid: string; registration: OwnerRegistrationAnswer },
): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.sim.update({ where: { iccid }, data: { ownerRegistration: registration.status, ownerRegistrationId: registration.registrationId } });
    await audit(tx, {
      action: 'sim-owner.submitted',
      employeeId,
      iccid,
      details: { registrationId: registration.registrationId },
      stepKey: registrationStep(registration.registrationId),
    });
    await auditDecision(tx, iccid, registration);
  });
}

/** The operator decided (accepted or rejected) a registration; pending: nothing to write. */
export async function recordOwnerDecision(db: Db, { iccid, registration }: { iccid: string; registration: OwnerRegistrationAnswer }): Promise<void> {
  if (registration.status === 'PENDING') return;
  await db.$transaction(async (tx) => {
    await tx.sim.update({ where: { iccid }, data: { ownerRegistration: registration.status } });
    await auditDecision(tx, iccid, registration);
  });
}

/** The registration was withdrawn at the operator (`withdrawn`: the operator says so now). */
export async function recordOwnerWithdrawal(db: Db, { iccid, registrationId, withdrawn }: { iccid: string; registrationId: string; withdrawn: boolean }): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.sim.updateMany({ where: { iccid, ownerRegistrationId: registrationId }, data: { ownerRegistration: 'WITHDRAWN' } });
    if (withdrawn) await audit(tx, { action: 'sim-owner.withdrawn', iccid, details: { registrationId }, stepKey: registrationStep(registrationId) });
  });
}

/** The operator suspended or resumed the SIM's service. */
export async function setService(db: Db, { iccid, service, reason }: { iccid: string; service: 'SUSPENDED' | 'ACTIVATED'; reason: string }): Promise<void> {
  const suspended = service === 'SUSPENDED';
  await db.$transaction(async (tx) => {
    await moveSim(tx, iccid, suspended ? 'suspend' : 'resume', { state: suspended ? 'SUSPENDED' : 'IN_USE' });
    await audit(tx, { action: suspended ? 'sim.suspended' : 'sim.resumed', iccid, details: { reason } });
  });
}

/**
 * The SIM is released from its leaver: back in stock when it came back (`reuse`: still active
 * for the next hire), suspended for good when it did not; its owner registration withdrawn.
 */
export async function restock(db: Db, r: { iccid: string; employeeId: string; simReturned: boolean; reuse: boolean }): Promise<void> {
  await db.$transaction(async (tx) => {
    await moveSim(tx, r.iccid, 'restock', {
      state: r.simReturned ? 'IN_STOCK' : 'SUSPENDED',
      employeeId: null,
      reservedBy: null,
      ownerRegistration: 'WITHDRAWN',
    });
    await audit(tx, { action: r.reuse ? 'sim.restocked-active' : 'sim.restocked-suspended', iccid: r.iccid, employeeId: r.employeeId, details: { simReturned: r.simReturned } });
  });
}

/** The SIM is in its holder's hands again (dismissal revoked), if still theirs. In the caller's transaction. */
export async function recover(tx: Prisma.TransactionClient, { iccid, employeeId }: { iccid: string; employeeId: string }): Promise<void> {
  await tx.sim.updateMany({ where: { iccid, employeeId }, data: { state: 'IN_USE' } });
}

/** The registration recorded on the SIM for this submission key, if the submission got that far. */
export async function registrationUnder(db: Db, { iccid, idempotencyKey }: { iccid: string; idempotencyKey: string }): Promise<string | undefined> {
  const sim = await db.sim.findUnique({ where: { iccid } });
  return (sim?.ownerRegistrationKey === idempotencyKey ? sim.ownerRegistrationId : null) ?? undefined;
}
