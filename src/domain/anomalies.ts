// What is wrong in the fleet's data, read from one snapshot of it: phonefleet's own records
// (employees, phones, SIMs) beside what the MDMs and the operator report. Pure rules: the same
// snapshot, in any order, gives the same anomalies, sorted by kind and subject. No names here:
// employees are their HR ids, SIMs their ICCIDs, phones their IMEIs.

export const ANOMALY_KINDS = [
  /** A corporate SIM reported in a phone that is not assigned to the SIM's holder. */
  'sim-in-foreign-phone',
  /** An assigned SIM that no phone reports and nobody has seen for N days. */
  'sim-not-seen',
  /** A SIM still active (at the operator, or in use in the records) of someone who left. */
  'leaver-sim-active',
  /** A SIM in use without an accepted owner registration (the law asks for one). */
  'sim-unregistered',
  /** A number in the records the operator does not know for that SIM. */
  'number-unknown-to-operator',
  /** A phone in someone's hands that has not checked in with its MDM for N days. */
  'phone-silent',
  /** The same ICCID reported by two phones. */
  'iccid-in-two-phones',
  /** A phone still enrolled for (assigned to) someone who left. */
  'phone-enrolled-for-leaver',
  /** Someone (not gone) holding two phones or more. */
  'employee-with-two-phones',
] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export type EmployeeState = 'ONBOARDING' | 'ACTIVE' | 'LEAVING' | 'RESCINDED' | 'LEFT';
export type RegistrationState = 'NONE' | 'PENDING' | 'ACCEPTED' | 'REJECTED' | 'WITHDRAWN';

export interface SnapshotEmployee {
  id: string;
  storeId: string;
  status: EmployeeState;
  /** HR's own status as of the last sync (LEFT when HR says the person is gone). */
  hrStatus?: string | null;
}

export interface SnapshotDevice {
  imei: string;
  storeId: string;
  state: string;
  employeeId: string | null;
  /** The company SIM the MDM agent last reported in the phone. */
  reportedIccid: string | null;
  lastCheckInAt: string | null;
}

export interface SnapshotSim {
  iccid: string;
  storeId: string;
  operator: string;
  state: string;
  employeeId: string | null;
  msisdn: string | null;
  ownerRegistration: RegistrationState;
  /** The operator's status (ACTIVATED, SUSPENDED...) as of the last sync. */
  operatorStatus: string | null;
  lastSeenAt: string | null;
}

export interface SnapshotOperatorRecord {
  iccid: string;
  operator: string;
  msisdn: string | null;
  status: string;
}

/** An MDM's report of a phone; `known = false`: phonefleet has no Device for it. */
export interface SnapshotSighting {
  imei: string;
  reportedIccid: string | null;
  lastCheckInAt: string | null;
  known: boolean;
}

export interface FleetSnapshot {
  employees: SnapshotEmployee[];
  devices: SnapshotDevice[];
  sims: SnapshotSim[];
  operatorRecords: SnapshotOperatorRecord[];
  sightings: SnapshotSighting[];
}

export interface AnomalyPolicy {
  /** An assigned SIM no phone has reported for this many days is "not seen". */
  simUnseenDays: number;
  /** A phone in someone's hands without a check-in for this many days is "silent". */
  phoneSilentDays: number;
}

export type AnomalyDetails = Record<string, string | number | boolean | null | string[]>;

export interface DetectedAnomaly {
  kind: AnomalyKind;
  /** What it is about: an ICCID, an IMEI or an employee id (by kind). */
  subject: string;
  storeId: string | null;
  employeeId: string | null;
  /** Ids, states and dates only: it is stored. */
  details: AnomalyDetails;
}

/** Phones whose holder has these states are in someone's hands. */
const HELD_PHONE_STATES = new Set(['ENROLLED', 'IN_USE']);
const DAY_MS = 86_400_000;

export const openKeyOf = (a: { kind: string; subject: string }): string => `${a.kind}:${a.subject}`;

const hasLeft = (e: SnapshotEmployee | undefined): boolean => e !== undefined && (e.status === 'LEFT' || e.hrStatus?.toUpperCase() === 'LEFT');

const olderThan = (at: string | null, now: number, days: number): boolean => at !== null && now - Date.parse(at) > days * DAY_MS;

interface Phone {
  imei: string;
  storeId: string | null;
  holder: string | null;
  known: boolean;
  iccid: string | null;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function sightingOrder(a: SnapshotSighting, b: SnapshotSighting): number {
  const byTime = compare(a.lastCheckInAt ?? '', b.lastCheckInAt ?? '');
  return byTime !== 0 ? byTime : compare(a.reportedIccid ?? '', b.reportedIccid ?? '');
}

/** Every phone that reports something: phonefleet's own, and those only an MDM knows. */
function phonesOf(snapshot: FleetSnapshot): Phone[] {
  const phones = new Map<string, Phone>();
  for (const d of snapshot.devices) phones.set(d.imei, { imei: d.imei, storeId: d.storeId, holder: d.employeeId, known: true, iccid: d.reportedIccid });
  // A phone two MDMs report (moved between them): the latest check-in's report stands.
  const latest = new Map<string, SnapshotSighting>();
  for (const s of snapshot.sightings) {
    if (phones.has(s.imei)) continue;
    const other = latest.get(s.imei);
    if (!other || sightingOrder(s, other) > 0) latest.set(s.imei, s);
  }
  for (const s of latest.values()) phones.set(s.imei, { imei: s.imei, storeId: null, holder: null, known: false, iccid: s.reportedIccid });
  return [...phones.values()].sort((a, b) => compare(a.imei, b.imei));
}

/** The anomalies the snapshot shows at `now`, sorted by kind, then subject. */
export function detectAnomalies(snapshot: FleetSnapshot, policy: AnomalyPolicy, now: Date): DetectedAnomaly[] {
  const at = now.getTime();
  const found: DetectedAnomaly[] = [];
  const employees = new Map(snapshot.employees.map((e) => [e.id, e]));
  const phones = phonesOf(snapshot);
  const phonesByIccid = new Map<string, Phone[]>();
  for (const phone of phones) {
    if (phone.iccid) phonesByIccid.set(phone.iccid, [...(phonesByIccid.get(phone.iccid) ?? []), phone]);
  }
  const operatorByIccid = new Map(snapshot.operatorRecords.map((r) => [r.iccid, r]));
  const operatorsReporting = new Set(snapshot.operatorRecords.map((r) => r.operator));

  for (const [iccid, reporting] of phonesByIccid) {
    if (reporting.length < 2) continue;
    const imeis = reporting.map((p) => p.imei);
    const sim = snapshot.sims.find((s) => s.iccid === iccid);
    found.push({
      kind: 'iccid-in-two-phones',
      subject: iccid,
      storeId: sim?.storeId ?? reporting.find((p) => p.storeId)?.storeId ?? null,
      employeeId: sim?.employeeId ?? null,
      details: { imeis },
    });
  }

  for (const sim of snapshot.sims) {
    const holder = sim.employeeId ? employees.get(sim.employeeId) : undefined;
    const reporting = phonesByIccid.get(sim.iccid) ?? [];
    const base = { subject: sim.iccid, storeId: sim.storeId, employeeId: sim.employeeId };

    // In exactly one phone (two is its own anomaly), and that phone is not its holder's.
    const [phone] = reporting;
    if (reporting.length === 1 && phone && phone.holder !== sim.employeeId) {
      found.push({ ...base, kind: 'sim-in-foreign-phone', details: { imei: phone.imei, phoneHolder: phone.holder, knownPhone: phone.known } });
    }

    const assigned = sim.state === 'IN_USE' && sim.employeeId !== null;
    if (assigned && reporting.length === 0 && (sim.lastSeenAt === null || olderThan(sim.lastSeenAt, at, policy.simUnseenDays))) {
      found.push({ ...base, kind: 'sim-not-seen', details: { lastSeenAt: sim.lastSeenAt, days: policy.simUnseenDays } });
    }

    const active = sim.operatorStatus !== null ? sim.operatorStatus === 'ACTIVATED' : sim.state === 'IN_USE';
    if (active && hasLeft(holder)) {
      found.push({
        ...base,
        kind: 'leaver-sim-active',
        details: { employeeStatus: holder!.status, hrStatus: holder!.hrStatus ?? null, operatorStatus: sim.operatorStatus, leaverFinished: holder!.status === 'LEFT' },
      });
    }

    if (assigned && sim.ownerRegistration !== 'ACCEPTED' && !hasLeft(holder)) {
      found.push({ ...base, kind: 'sim-unregistered', details: { registration: sim.ownerRegistration } });
    }

    // Only where the operator has been read at all: before its first sync it "knows" nothing.
    if (sim.msisdn && operatorsReporting.has(sim.operator)) {
      const record = operatorByIccid.get(sim.iccid);
      if (!record || (record.msisdn !== null && record.msisdn !== sim.msisdn)) {
        found.push({
          ...base,
          kind: 'number-unknown-to-operator',
          details: { msisdn: sim.msisdn, operatorMsisdn: record?.msisdn ?? null, operatorKnowsSim: record !== undefined },
        });
      }
    }
  }

  const held = new Map<string, SnapshotDevice[]>();
  for (const device of snapshot.devices) {
    if (!device.employeeId || !HELD_PHONE_STATES.has(device.state)) continue;
    const holder = employees.get(device.employeeId);
    const base = { subject: device.imei, storeId: device.storeId, employeeId: device.employeeId };
    if (hasLeft(holder)) {
      found.push({ ...base, kind: 'phone-enrolled-for-leaver', details: { state: device.state, employeeStatus: holder!.status, hrStatus: holder!.hrStatus ?? null } });
      continue;
    }
    held.set(device.employeeId, [...(held.get(device.employeeId) ?? []), device]);
    if (olderThan(device.lastCheckInAt, at, policy.phoneSilentDays)) {
      found.push({ ...base, kind: 'phone-silent', details: { lastCheckInAt: device.lastCheckInAt, days: policy.phoneSilentDays } });
    }
  }
  for (const [employeeId, devices] of held) {
    if (devices.length < 2) continue;
    devices.sort((a, b) => compare(a.imei, b.imei));
    found.push({
      kind: 'employee-with-two-phones',
      subject: employeeId,
      storeId: employees.get(employeeId)?.storeId ?? devices[0]!.storeId,
      employeeId,
      details: { imeis: devices.map((d) => d.imei) },
    });
  }

  return found.sort((a, b) => (a.kind === b.kind ? compare(a.subject, b.subject) : ANOMALY_KINDS.indexOf(a.kind) - ANOMALY_KINDS.indexOf(b.kind)));
}
