// The SIM-owner registration the law requires, as the joiner and the fleet's reconciliation both
// submit it: identity data fetched from HR here, handed to the operator and dropped; never
// stored, logged or returned.
import type { OwnerRegistration } from '../src/systems/operator/api.ts';
import { simByIccid, sims } from '../src/inventory/index.ts';
import type { ActivityDeps } from './deps.ts';

export interface SimOwnerRegistrationView {
  registrationId: string;
  status: 'PENDING' | 'ACCEPTED' | 'REJECTED' | 'WITHDRAWN';
  reason?: string;
}

/**
 * Fetches the identity data from HR and hands it to the operator: it never leaves this
 * function. The key is written on the SIM before anything is sent, so a retry that finds a
 * registration already submitted (recorded, or made by an attempt that died mid-call) asks the
 * operator for it instead of reading and sending the identity data again.
 */
export async function submitOwnerRegistration(
  { db, operator, hr }: Pick<ActivityDeps, 'db' | 'operator' | 'hr'>,
  { employeeId, iccid, idempotencyKey }: { employeeId: string; iccid: string; idempotencyKey: string },
): Promise<SimOwnerRegistrationView> {
  const sim = await simByIccid(db, iccid);
  let registration: OwnerRegistration | null = null;
  if (sim.ownerRegistrationKey === idempotencyKey) {
    registration = sim.ownerRegistrationId ? await operator.getOwnerRegistration(sim.ownerRegistrationId) : await operator.findOwnerRegistration(idempotencyKey);
  } else {
    await sims.startOwnerRegistration(db, { iccid, idempotencyKey });
  }
  if (!registration) {
    const identity = await hr.getIdentity(employeeId);
    registration = await operator.submitOwnerRegistration(iccid, identity, idempotencyKey);
  }
  await sims.recordOwnerRegistration(db, { employeeId, iccid, registration });
  return { registrationId: registration.registrationId, status: registration.status, ...(registration.reason ? { reason: registration.reason } : {}) };
}
