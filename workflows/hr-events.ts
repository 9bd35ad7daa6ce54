// HR events as the employee lifecycle receives them (the API turns signed CloudEvents into
// these). Names travel here only inside encrypted payloads (see src/temporal/codec.ts).

/** CloudEvent `type` values HR sends, mapped to what the lifecycle does with them. */
export const HR_EVENT_TYPES = {
  'com.retailco.hr.employee.hired': 'hired',
  'com.retailco.hr.employee.hire-rescinded': 'hire-rescinded',
  'com.retailco.hr.employee.dismissed': 'dismissed',
  'com.retailco.hr.employee.dismissal-revoked': 'dismissal-revoked',
  'com.retailco.hr.employee.role-changed': 'role-changed',
  'com.retailco.hr.employee.transferred': 'transferred',
  'com.retailco.hr.employee.leave-started': 'leave-started',
  'com.retailco.hr.employee.leave-ended': 'leave-ended',
} as const;

export type HrCloudEventType = keyof typeof HR_EVENT_TYPES;
export type HrEventKind = (typeof HR_EVENT_TYPES)[HrCloudEventType];

export interface Hire {
  storeId: string;
  /** HR position code; the role (apps, policies) follows from it. */
  position: string;
  /** First working day, YYYY-MM-DD in the store's time zone. */
  startDate: string;
  /** Shown to the curator so the phone reaches the right person. Personal data. */
  displayName?: string;
}

interface HrEventBase {
  /** CloudEvent id: the idempotency key across redeliveries. */
  eventId: string;
  employeeId: string;
  occurredAt: string;
}

/** A mover: a new position (role change) or a new store (transfer). */
export type Move = { kind: 'role'; position: string; urgent: boolean } | { kind: 'transfer'; storeId: string; urgent: boolean };

/** Long leave (parental, sick): the phone may stay off the network until the person is back. */
export interface Leave {
  kind: 'parental' | 'sick' | 'other';
  /** YYYY-MM-DD; `until` (the expected last day of leave) may be unknown. */
  from: string;
  until?: string;
}

export type HrEvent =
  | (HrEventBase & { kind: 'hired'; hire: Hire })
  | (HrEventBase & { kind: 'hire-rescinded'; reason?: string })
  /** lastWorkingDay: YYYY-MM-DD in the store's time zone; may be today, weeks ahead, or past. */
  | (HrEventBase & { kind: 'dismissed'; lastWorkingDay: string })
  | (HrEventBase & { kind: 'dismissal-revoked'; reason?: string })
  | (HrEventBase & { kind: 'role-changed' | 'transferred'; move: Move })
  | (HrEventBase & { kind: 'leave-started' | 'leave-ended'; leave: Leave });
