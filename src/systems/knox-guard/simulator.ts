// Samsung Knox Guard simulator: the vendor's permanent lock ("brick") for phones that leave with
// a leaver. Shape after third-party client code (APIS.md), JSON bodies, `x-knox-apitoken`:
//   POST /kcs/v1.1/kg/devices/lock   {deviceUid, message, tel, email?}
//   POST /kcs/v1.1/kg/devices/unlock {deviceUid}
//   POST /kcs/v1.1/kg/devices/list   {deviceUid?, pageNum?, pageSize?}  (an unknown deviceUid is a 404)
// lock and unlock need `x-knox-transactionId`: the same id again answers the first answer and
// does nothing more (a retry after a lost answer must not lock twice). Answers and error codes
// are modelled: `{ result: 'SUCCESS', ... }`, `{ result: 'FAIL', code, message }`.
//
// The lock reaches the phone only when it is online, and the phone's network state is the MDM
// simulators' (the same physical phone): the simulator asks `isOnline(imei)`, and is told when a
// phone comes online (phoneCameOnline). Status follows from what was asked and what the phone
// has applied: asked locked and applied = Locked, asked but not yet applied = Locking, asked
// unlocked while the phone still shows the lock = Unlocking, else Active.
//
// Offline lock (a policy, like any other, that reaches the phone only when it is online):
//   POST /kcs/v1.1/kg/devices/offline-lock        {deviceUid, days, warningDays, message, tel}
//   POST /kcs/v1.1/kg/devices/offline-lock/exempt {deviceUid, until?: YYYY-MM-DD | null}
// A phone holding the policy counts the days since it last checked in: `days - warningDays`
// days in it shows a warning (OFFLINE_WARNING), at `days` it locks itself (OFFLINE_LOCKED,
// status Locked) with the policy's message; checking in again releases that self-lock. An
// exemption (long leave) spares the phone until the given day (or until lifted with null); the
// phone learns of it, like of the policy, at its next check-in. Time is the simulator's clock
// (`now`), so tests can let a phone stay away for weeks.
import type { Request, Response } from 'express';
import type { KnoxGuardStatus } from './api.ts';
import { randomSecret, safeEqual } from '../shared/simulator-auth.ts';
import { Fields, SimHttpError, itemsOf, plainError } from '../shared/request-fields.ts';
import { Simulator, type SimulatorOptions } from '../shared/simulator.ts';

export interface KnoxGuardSimulatorOptions extends SimulatorOptions {
  apiToken?: string;
  /** Whether the phone is on the network now (the MDM simulators know). Default: never. */
  isOnline?: (deviceUid: string) => boolean;
  /** When the phone last checked in (the MDM simulators know); needed by the offline lock. */
  lastSeenAt?: (deviceUid: string) => string | undefined;
  /** The simulator's clock (epoch ms). Default: Date.now. */
  now?: () => number;
}

export interface OfflineLockPolicy {
  days: number;
  warningDays: number;
  message: string;
  tel: string;
  /** Long leave: the phone does not lock itself before the end of this day (YYYY-MM-DD), or at all if "open". */
  exemptUntil?: string;
}

export type KnoxGuardAction =
  | 'LOCK_REQUESTED'
  | 'UNLOCK_REQUESTED'
  | 'LOCK_APPLIED'
  | 'UNLOCK_APPLIED'
  | 'OFFLINE_LOCK_REQUESTED'
  | 'OFFLINE_EXEMPTION_REQUESTED'
  | 'OFFLINE_LOCK_POLICY_APPLIED'
  | 'OFFLINE_WARNING'
  | 'OFFLINE_LOCKED'
  | 'OFFLINE_UNLOCKED';

export interface KnoxGuardRecord {
  deviceUid: string;
  /** What the customer asked for last. */
  lockRequested: boolean;
  /** What the phone shows: it changes only while the phone is online. */
  phoneLocked: boolean;
  /** Released from Knox Guard for good (not modelled as an API call yet). */
  completed: boolean;
  /** The offline-lock policy as last asked for, and as the phone holds it (since its last check-in). */
  offlineLockRequested?: OfflineLockPolicy;
  offlineLockOnPhone?: OfflineLockPolicy;
  /** The phone locked itself for being offline too long / showed the warning (this absence). */
  offlineLocked?: boolean;
  offlineWarned?: boolean;
  message?: string;
  tel?: string;
  email?: string;
  updatedAt: string;
  /** Every action that changed something, in order: a replayed transaction adds none. */
  actions: { at: string; action: KnoxGuardAction; transactionId?: string }[];
}

interface TransactionRecord {
  transactionId: string;
  /** Route and device: the same id for another request is refused. */
  request: string;
  status: number;
  body: unknown;
}

export interface KnoxGuardState {
  devices: KnoxGuardRecord[];
  /** Kept so that a retry after a restart is still recognised. */
  transactions: TransactionRecord[];
}

function isCalendarDay(v: unknown): v is string {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  const at = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().startsWith(v);
}

/** Knox Guard's lock screen text limit. */
export const LOCK_MESSAGE_LIMIT = 350;

const ERROR = { INVALID: 'KG_INVALID_PARAMETER', UNAUTHORIZED: 'KG_UNAUTHORIZED', NOT_FOUND: 'KG_DEVICE_NOT_FOUND', CONFLICT: 'KG_CONFLICT' } as const;

function guardError(status: number, code: string, message: string): SimHttpError {
  return new SimHttpError(status, { result: 'FAIL', code, message });
}

const invalid = (message: string): SimHttpError => guardError(400, ERROR.INVALID, message);

export function statusOf(record: KnoxGuardRecord): KnoxGuardStatus {
  if (record.completed) return 'Completed';
  if (record.offlineLocked) return 'Locked';
  if (record.lockRequested) return record.phoneLocked ? 'Locked' : 'Locking';
  return record.phoneLocked ? 'Unlocking' : 'Active';
}

/** The device as the API lists it. */
function deviceView(record: KnoxGuardRecord): Record<string, unknown> {
  return {
    deviceUid: record.deviceUid,
    status: statusOf(record),
    message: record.message,
    tel: record.tel,
    email: record.email,
    updatedAt: record.updatedAt,
    ...(record.offlineLockRequested ? { offlineLock: offlineLockView(record) } : {}),
  };
}

function offlineLockView(record: KnoxGuardRecord): Record<string, unknown> {
  const policy = record.offlineLockRequested!;
  const onPhone = record.offlineLockOnPhone;
  return {
    days: policy.days,
    warningDays: policy.warningDays,
    exemptUntil: policy.exemptUntil ?? null,
    appliedOnPhone: onPhone !== undefined && JSON.stringify(onPhone) === JSON.stringify(policy),
    state: record.offlineLocked ? 'locked' : record.offlineWarned ? 'warning' : onPhone ? (onPhone.exemptUntil ? 'exempt' : 'armed') : 'pending',
  };
}

export class KnoxGuardSimulator extends Simulator<KnoxGuardState> {
  readonly apiToken: string;
  private readonly devices = new Map<string, KnoxGuardRecord>();
  private readonly transactions = new Map<string, TransactionRecord>();
  private readonly isOnline: (deviceUid: string) => boolean;
  private readonly lastSeenAt: (deviceUid: string) => string | undefined;
  private readonly now: () => number;
  /** Requests answered from a stored transaction (not state: restarts at zero). */
  replays = 0;

  constructor(options: KnoxGuardSimulatorOptions = {}) {
    super('knox-guard', options);
    this.apiToken = options.apiToken ?? randomSecret();
    this.isOnline = options.isOnline ?? (() => false);
    this.lastSeenAt = options.lastSeenAt ?? (() => undefined);
    this.now = options.now ?? Date.now;
    this.mountAdmin();

    const api = '/kcs/v1.1/kg/devices';
    const authenticated = (req: Request): void => {
      if (!safeEqual(req.get('x-knox-apitoken') ?? '', this.apiToken)) throw guardError(401, ERROR.UNAUTHORIZED, 'Invalid API token');
    };

    this.route('post', `${api}/lock`, (req, res) => {
      authenticated(req);
      const fields = Fields.ofBody(req, invalid);
      const deviceUid = fields.string('deviceUid');
      this.once(req, res, `lock:${deviceUid}`, (transactionId) => {
        const lock = { message: fields.string('message'), tel: fields.string('tel'), email: fields.optionalString('email') };
        return this.lock(this.known(deviceUid), lock, transactionId);
      });
    });

    this.route('post', `${api}/unlock`, (req, res) => {
      authenticated(req);
      const deviceUid = Fields.ofBody(req, invalid).string('deviceUid');
      this.once(req, res, `unlock:${deviceUid}`, (transactionId) => this.unlock(this.known(deviceUid), transactionId));
    });

    this.route('post', `${api}/offline-lock`, (req, res) => {
      authenticated(req);
      const fields = Fields.ofBody(req, invalid);
      const deviceUid = fields.string('deviceUid');
      const days = fields.optionalNumber('days');
      const warningDays = fields.optionalNumber('warningDays') ?? 0;
      if (days === undefined || !Number.isInteger(days) || days < 1 || days > 365) throw invalid('days must be a whole number of days, 1..365');
      if (!Number.isInteger(warningDays) || warningDays < 0 || warningDays >= days) throw invalid('warningDays must be a whole number below days');
      const message = fields.string('message');
      if (message.length > LOCK_MESSAGE_LIMIT) throw invalid(`message must be at most ${LOCK_MESSAGE_LIMIT} characters`);
      const tel = fields.string('tel');
      this.once(req, res, `offline-lock:${deviceUid}`, (transactionId) => {
        const record = this.known(deviceUid);
        record.offlineLockRequested = {
          days,
          warningDays,
          message,
          tel,
          ...(record.offlineLockRequested?.exemptUntil ? { exemptUntil: record.offlineLockRequested.exemptUntil } : {}),
        };
        this.recordAction(record, 'OFFLINE_LOCK_REQUESTED', transactionId);
        return this.settle(record);
      });
    });

    this.route('post', `${api}/offline-lock/exempt`, (req, res) => {
      authenticated(req);
      const body = Fields.ofBody(req, invalid);
      const deviceUid = body.string('deviceUid');
      const until = (req.body as Record<string, unknown>).until;
      if (until !== null && until !== 'open' && !isCalendarDay(until)) throw invalid('until must be a date YYYY-MM-DD, "open" or null');
      this.once(req, res, `offline-lock-exempt:${deviceUid}`, (transactionId) => {
        const record = this.known(deviceUid);
        if (!record.offlineLockRequested) throw guardError(409, ERROR.CONFLICT, 'Device has no offline lock policy');
        const { exemptUntil: _previous, ...policy } = record.offlineLockRequested;
        record.offlineLockRequested = until === null ? policy : { ...policy, exemptUntil: until as string };
        this.recordAction(record, 'OFFLINE_EXEMPTION_REQUESTED', transactionId);
        return this.settle(record);
      });
    });

    this.route('post', `${api}/list`, (req, res) => {
      authenticated(req);
      const fields = Fields.ofBody(req, invalid);
      const deviceUid = fields.optionalString('deviceUid');
      const pageNum = fields.optionalNumber('pageNum') ?? 1;
      const pageSize = fields.optionalNumber('pageSize') ?? 100;
      if (!Number.isInteger(pageNum) || pageNum < 1 || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
        throw invalid('pageNum must be a positive integer and pageSize 1..1000');
      }
      const matching = deviceUid ? [this.known(deviceUid)] : [...this.devices.values()];
      const devices = matching.slice((pageNum - 1) * pageSize, pageNum * pageSize).map((r) => deviceView(this.settle(r)));
      res.json({ result: 'SUCCESS', totalCount: matching.length, devices });
    });
  }

  exportState(): KnoxGuardState {
    return { devices: [...this.devices.values()], transactions: [...this.transactions.values()] };
  }

  importState(state: KnoxGuardState): void {
    this.devices.clear();
    this.transactions.clear();
    for (const record of state.devices) this.devices.set(record.deviceUid, record);
    for (const t of state.transactions) this.transactions.set(t.transactionId, t);
  }

  /** Seeding: a phone in use that has held the offline-lock policy since before phonefleet. */
  seedOfflineLock(deviceUid: string, policy: OfflineLockPolicy): void {
    const record = this.enrol(deviceUid);
    record.offlineLockRequested = structuredClone(policy);
    record.offlineLockOnPhone = structuredClone(policy);
  }

  /** The reseller uploads a phone to Knox Guard (Active). Enrolling a known phone changes nothing. */
  enrol(deviceUid: string): KnoxGuardRecord {
    const existing = this.devices.get(deviceUid);
    if (existing) return existing;
    const record: KnoxGuardRecord = {
      deviceUid,
      lockRequested: false,
      phoneLocked: false,
      completed: false,
      updatedAt: new Date().toISOString(),
      actions: [],
    };
    this.devices.set(deviceUid, record);
    return record;
  }

  device(deviceUid: string): KnoxGuardRecord | undefined {
    const record = this.devices.get(deviceUid);
    return record && this.settle(record);
  }

  /** The phone reached the network: it applies what was asked of it. */
  phoneCameOnline(deviceUid: string): void {
    const record = this.devices.get(deviceUid);
    if (record) this.apply(record);
  }

  /** Transactions answered again instead of carried out twice, and all kept. */
  transactionCounts(): { transactions: number; replays: number } {
    return { transactions: this.transactions.size, replays: this.replays };
  }

  private lock(record: KnoxGuardRecord, lock: { message: string; tel: string; email: string | undefined }, transactionId: string): KnoxGuardRecord {
    if (record.completed) throw guardError(409, ERROR.CONFLICT, 'Device is released from Knox Guard');
    record.lockRequested = true;
    record.message = lock.message;
    record.tel = lock.tel;
    if (lock.email) record.email = lock.email;
    else delete record.email;
    this.recordAction(record, 'LOCK_REQUESTED', transactionId);
    return this.settle(record);
  }

  private unlock(record: KnoxGuardRecord, transactionId: string): KnoxGuardRecord {
    if (record.lockRequested) {
      record.lockRequested = false;
      this.recordAction(record, 'UNLOCK_REQUESTED', transactionId);
    }
    return this.settle(record);
  }

  /** Re-evaluated on every read too, so that a phone online shows its state whoever asks. */
  private settle(record: KnoxGuardRecord): KnoxGuardRecord {
    if (this.isOnline(record.deviceUid)) this.apply(record);
    else this.countOfflineDays(record);
    return record;
  }

  /** What a phone holding the offline-lock policy does by itself while away from the network. */
  private countOfflineDays(record: KnoxGuardRecord): void {
    const policy = record.offlineLockOnPhone;
    const lastSeen = this.lastSeenAt(record.deviceUid);
    if (!policy || !lastSeen || record.offlineLocked || record.completed) return;
    const now = this.now();
    if (policy.exemptUntil === 'open' || (policy.exemptUntil && now < Date.parse(`${policy.exemptUntil}T23:59:59Z`))) return;
    // An exemption that ran out counts from its end: the person was allowed to be away until then.
    const from = Math.max(Date.parse(lastSeen), policy.exemptUntil ? Date.parse(`${policy.exemptUntil}T23:59:59Z`) : 0);
    const offlineDays = (now - from) / 86_400_000;
    if (!record.offlineWarned && offlineDays >= policy.days - policy.warningDays) {
      record.offlineWarned = true;
      this.recordAction(record, 'OFFLINE_WARNING');
    }
    if (offlineDays >= policy.days) {
      record.offlineLocked = true;
      record.message = policy.message;
      record.tel = policy.tel;
      this.recordAction(record, 'OFFLINE_LOCKED');
    }
  }

  private apply(record: KnoxGuardRecord): void {
    // Checking in: the phone takes the current offline-lock policy and starts counting afresh.
    if (record.offlineLockRequested && JSON.stringify(record.offlineLockOnPhone) !== JSON.stringify(record.offlineLockRequested)) {
      record.offlineLockOnPhone = structuredClone(record.offlineLockRequested);
      this.recordAction(record, 'OFFLINE_LOCK_POLICY_APPLIED');
    }
    record.offlineWarned = false;
    if (record.offlineLocked) {
      record.offlineLocked = false;
      this.recordAction(record, 'OFFLINE_UNLOCKED');
    }
    if (record.phoneLocked === record.lockRequested || record.completed) return;
    record.phoneLocked = record.lockRequested;
    this.recordAction(record, record.phoneLocked ? 'LOCK_APPLIED' : 'UNLOCK_APPLIED');
  }

  private recordAction(record: KnoxGuardRecord, action: KnoxGuardAction, transactionId?: string): void {
    record.updatedAt = new Date().toISOString();
    record.actions.push(transactionId === undefined ? { at: record.updatedAt, action } : { at: record.updatedAt, action, transactionId });
  }

  /**
   * Runs `act` once per x-knox-transactionId and keeps its answer: a repeated id gets the first
   * answer back and changes nothing. A refusal is not kept: nothing happened, so a retry with
   * the same id is a first attempt.
   */
  private once(req: Request, res: Response, request: string, act: (transactionId: string) => KnoxGuardRecord): void {
    const transactionId = req.get('x-knox-transactionId');
    if (!transactionId) throw invalid('x-knox-transactionId header is required');
    const previous = this.transactions.get(transactionId);
    if (previous) {
      if (previous.request !== request) throw guardError(409, ERROR.CONFLICT, 'transactionId reused for a different request');
      this.replays += 1;
      res.status(previous.status).json(previous.body);
      return;
    }
    const body = { result: 'SUCCESS', transactionId, device: deviceView(act(transactionId)) };
    this.transactions.set(transactionId, { transactionId, request, status: 200, body });
    res.json(body);
  }

  private known(deviceUid: string): KnoxGuardRecord {
    const record = this.devices.get(deviceUid);
    if (!record) throw guardError(404, ERROR.NOT_FOUND, 'Device not found');
    return record;
  }

  /**
   * `POST /_sim/devices` {deviceUid} or a list (enrol), `GET /_sim/devices`,
   * `GET /_sim/devices/:deviceUid` (status, message, tel, actions), `GET /_sim/transactions`.
   */
  private mountAdmin(): void {
    const reject = plainError(400);
    this.admin.post('/devices', (req, res) => {
      const uids = itemsOf(req).map((item) => new Fields(item, reject).string('deviceUid'));
      res.status(201).json(uids.map((uid) => this.adminView(this.enrol(uid))));
    });
    this.admin.get('/devices', (_req, res) => {
      res.json([...this.devices.values()].map((r) => this.adminView(this.settle(r))));
    });
    this.admin.get('/devices/:deviceUid', (req, res) => {
      const record = this.device(req.params.deviceUid);
      if (!record) throw new SimHttpError(404, { error: 'unknown deviceUid' });
      res.json(this.adminView(record));
    });
    this.admin.get('/transactions', (_req, res) => {
      res.json(this.transactionCounts());
    });
  }

  private adminView(record: KnoxGuardRecord): Record<string, unknown> {
    return { ...deviceView(record), actions: record.actions };
  }
}
