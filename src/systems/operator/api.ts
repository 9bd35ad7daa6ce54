// The mobile operator, Cisco IoT Control Center style, plus the SIM-owner registration the law
// requires (identity data of the person behind each corporate SIM; no public standard, modelled
// as an asynchronous submission that is accepted or rejected later).

export type SimStatus = 'ACTIVATED' | 'DEACTIVATED' | 'SUSPENDED' | 'INVENTORY';

export interface OperatorSim {
  iccid: string;
  imsi?: string;
  msisdn?: string;
  imei?: string;
  status: SimStatus;
  ratePlan?: string;
  dateUpdated?: string;
}

/** Identity data (personal): only ever inside an activity, never logged or stored. */
export interface SimOwnerIdentity {
  firstName: string;
  lastName: string;
  birthDate: string;
  nationality: string;
  documentType: 'PASSPORT' | 'ID_CARD';
  documentNumber: string;
}

export type OwnerRegistrationStatus = 'PENDING' | 'ACCEPTED' | 'REJECTED' | 'WITHDRAWN';

export interface OwnerRegistration {
  registrationId: string;
  iccid: string;
  status: OwnerRegistrationStatus;
  /** Operator's reason when REJECTED (never contains identity data). */
  reason?: string;
  /** ACCEPTED: when the person confirmed it on the state portal (the law asks them to). */
  confirmedAt?: string;
  /** ACCEPTED and unconfirmed: the operator's cut-off, after which it switches the number off. */
  confirmBy?: string;
}

export interface OperatorApi {
  getSim(iccid: string): Promise<OperatorSim | null>;
  setSimStatus(iccid: string, status: SimStatus): Promise<OperatorSim>;
  /** Same idempotencyKey again returns the registration created the first time. */
  submitOwnerRegistration(iccid: string, owner: SimOwnerIdentity, idempotencyKey: string): Promise<OwnerRegistration>;
  getOwnerRegistration(registrationId: string): Promise<OwnerRegistration>;
  /** The registration submitted with this idempotency key, if any: a retry that died mid-call finds it without re-sending identity data. */
  findOwnerRegistration(idempotencyKey: string): Promise<OwnerRegistration | null>;
  /** Withdraw (compensation). Withdrawing twice is a no-op. */
  withdrawOwnerRegistration(registrationId: string): Promise<OwnerRegistration>;
}
