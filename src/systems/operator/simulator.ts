// Mobile operator simulator, Cisco IoT Control Center style (HTTP Basic user:apiKey):
//   GET /rws/api/v1/devices/:iccid, PUT /rws/api/v1/devices/:iccid {status},
//   GET /rws/api/v1/devices?modifiedSince&pageSize(<=50)&pageNumber
// plus the SIM-owner registration the law requires (no public standard; modelled):
//   POST /rws/api/v1/owner-registrations {iccid, owner} with an Idempotency-Key header,
//   GET  /rws/api/v1/owner-registrations/:id, POST /rws/api/v1/owner-registrations/:id/withdraw
// An accepted registration must then be confirmed by the person on the state portal before
// `confirmBy` (`confirmWithinMs` after the decision): the admin's POST /registrations/:id/confirm
// (or confirmRegistration) plays the person doing so.
// Control Center's limits (./limits.ts) apply to every API call when enabled: one call at a
// time and at most 5 a second per account, over them HTTP 400 errorCode 40000029. The device
// search answers ICCID, status and dateUpdated, never the number: only the details call has it
// (and a SIM may have no number at all; `withholdNumbers` models an operator that answers none).
// A registration is decided asynchronously, `decideAfterMs` after submission, by the policy in
// force at submission time. Identity data is validated and then dropped: never stored, never
// logged; the reject list holds SHA-256 digests of document numbers, not the numbers.
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { OwnerRegistrationStatus, SimStatus } from './api.ts';
import { isValidIccid } from '../../domain/identifiers.ts';
import { randomSecret, requireBasic, type BasicCredentials } from '../shared/simulator-auth.ts';
import { Fields, SimHttpError, bodyOf, itemsOf, plainError } from '../shared/request-fields.ts';
import { Simulator, type SimulatorOptions } from '../shared/simulator.ts';
import { CONTROL_CENTER_LIMITS, CallLimiter, mountCallLimitAdmin, type ControlCenterLimits } from './limits.ts';

export const SIM_STATUSES: readonly SimStatus[] = ['ACTIVATED', 'DEACTIVATED', 'SUSPENDED', 'INVENTORY'];

export interface OperatorSimRecord {
  iccid: string;
  imsi: string;
  msisdn?: string;
  imei?: string;
  status: SimStatus;
  ratePlan: string;
  communicationPlan: string;
  dateActivated?: string;
  dateUpdated: string;
}

export interface RegistrationPolicy {
  decideAfterMs: number;
  rejectAll: boolean;
  reason: string;
}

/** What the simulator keeps about a registration: no identity data. */
export interface RegistrationRecord {
  registrationId: string;
  iccid: string;
  idempotencyKey: string;
  submittedAt: number;
  decideAt: number;
  outcome: { status: 'ACCEPTED' } | { status: 'REJECTED'; reason: string };
  withdrawnAt?: number;
  /** The person confirmed it on the state portal. */
  confirmedAt?: number;
}

export interface RegistrationSummary {
  registrationId: string;
  iccid: string;
  status: OwnerRegistrationStatus;
  idempotencyKey: string;
  reason?: string;
  confirmedAt?: string;
  confirmBy?: string;
}

/** SIMs and registrations; the registration policy is configuration and restarts from the options. */
export interface OperatorState {
  sims: OperatorSimRecord[];
  registrations: RegistrationRecord[];
  registrationSeq: number;
}

export interface OperatorSimulatorOptions extends SimulatorOptions {
  credentials?: { user: string; apiKey: string };
  /** Default 200 ms. */
  decideAfterMs?: number;
  /** How long after acceptance the person has to confirm on the state portal. Default 30 days. */
  confirmWithinMs?: number;
  /** Control Center's limits (the default), others (a bench scales them), or null: none. */
  limits?: ControlCenterLimits | null;
  /** The details call answers no msisdn for any SIM (an operator that returns no numbers). */
  withholdNumbers?: boolean;
}

// Control Center style error codes (modelled).
const ERROR = { INVALID_REQUEST: '10000001', NOT_FOUND: '10000003', UNAUTHORIZED: '10000024', CONFLICT: '10000029' } as const;

function operatorError(status: number, errorCode: string, errorMessage: string): SimHttpError {
  return new SimHttpError(status, { errorCode, errorMessage });
}

const invalidRequest = (message: string): SimHttpError => operatorError(400, ERROR.INVALID_REQUEST, message);

function digest(documentNumber: string): string {
  return createHash('sha256').update(documentNumber.trim().toUpperCase()).digest('hex');
}

export class OperatorSimulator extends Simulator<OperatorState> {
  readonly sims = new Map<string, OperatorSimRecord>();
  readonly credentials: { user: string; apiKey: string };
  readonly policy: RegistrationPolicy;
  private readonly rejectedDocumentDigests = new Set<string>();
  private readonly registrations = new Map<string, RegistrationRecord>();
  private readonly registrationByKey = new Map<string, RegistrationRecord>();
  private registrationSeq = 0;
  private readonly confirmWithinMs: number;
  readonly callLimiter: CallLimiter;
  /** When set, the details call answers no msisdn (the SIMs keep theirs for when it is unset). */
  withholdNumbers: boolean;

  constructor(options: OperatorSimulatorOptions = {}) {
    super('operator', options);
    this.credentials = options.credentials ?? { user: 'phonefleet', apiKey: randomSecret() };
    this.confirmWithinMs = options.confirmWithinMs ?? 30 * 86_400_000;
    this.policy = { decideAfterMs: options.decideAfterMs ?? 200, rejectAll: false, reason: 'Identity document could not be verified' };
    this.callLimiter = new CallLimiter(options.limits === undefined ? { ...CONTROL_CENTER_LIMITS } : options.limits);
    this.withholdNumbers = options.withholdNumbers ?? false;
    this.mountAdmin();

    const basic: BasicCredentials = { user: this.credentials.user, secret: this.credentials.apiKey };
    const authenticated = [requireBasic(basic, () => operatorError(401, ERROR.UNAUTHORIZED, 'Unauthorized')), this.callLimiter.middleware];
    const api = '/rws/api/v1';

    this.route('get', `${api}/devices/:iccid`, ...authenticated, (req, res) => {
      const sim = this.simOf(req);
      if (!this.withholdNumbers) {
        res.json(sim);
        return;
      }
      const { msisdn: _withheld, ...withoutNumber } = sim;
      res.json(withoutNumber);
    });

    this.route('put', `${api}/devices/:iccid`, ...authenticated, (req, res) => {
      const sim = this.simOf(req);
      const status = Fields.ofBody(req, invalidRequest).oneOf('status', SIM_STATUSES);
      this.setStatus(sim, status);
      res.json(sim);
    });

    this.route('get', `${api}/devices`, ...authenticated, (req, res) => {
      const fields = Fields.ofQuery(req, invalidRequest);
      const modifiedSince = Date.parse(fields.string('modifiedSince'));
      if (Number.isNaN(modifiedSince)) throw invalidRequest('modifiedSince must be an ISO date-time');
      const pageSize = fields.optionalNumber('pageSize') ?? 50;
      const pageNumber = fields.optionalNumber('pageNumber') ?? 1;
      if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 50) throw invalidRequest('pageSize must be a whole number from 1 to 50');
      if (!Number.isInteger(pageNumber) || pageNumber < 1) throw invalidRequest('pageNumber must be a positive integer');
      const modified = [...this.sims.values()].filter((s) => Date.parse(s.dateUpdated) >= modifiedSince);
      const page = modified.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
      res.json({
        pageNumber,
        // The search never carries the number: that takes one details call per ICCID.
        devices: page.map(({ iccid, status, ratePlan, communicationPlan, dateUpdated }) => ({ iccid, status, ratePlan, communicationPlan, dateUpdated })),
        lastPage: pageNumber * pageSize >= modified.length,
      });
    });

    this.route('post', `${api}/owner-registrations`, ...authenticated, (req, res) => {
      const key = req.get('idempotency-key');
      if (!key) throw invalidRequest('Idempotency-Key header is required');
      const fields = Fields.ofBody(req, invalidRequest);
      const iccid = fields.string('iccid');
      const previous = this.registrationByKey.get(key);
      if (previous) {
        if (previous.iccid !== iccid) throw operatorError(422, ERROR.CONFLICT, 'Idempotency-Key reused for a different request');
        res.status(200).json(this.registrationView(previous));
        return;
      }
      const documentNumber = this.validatedDocumentNumber(fields.object('owner'));
      if (!this.sims.has(iccid)) throw operatorError(404, ERROR.NOT_FOUND, 'Unknown ICCID');
      const now = Date.now();
      const rejected = this.policy.rejectAll || this.rejectedDocumentDigests.has(digest(documentNumber));
      const record: RegistrationRecord = {
        registrationId: `OR${String(++this.registrationSeq).padStart(8, '0')}`,
        iccid,
        idempotencyKey: key,
        submittedAt: now,
        decideAt: now + this.policy.decideAfterMs,
        outcome: rejected ? { status: 'REJECTED', reason: this.policy.reason } : { status: 'ACCEPTED' },
      };
      this.registrations.set(record.registrationId, record);
      this.registrationByKey.set(key, record);
      res.status(201).json(this.registrationView(record));
    });

    this.route('get', `${api}/owner-registrations`, ...authenticated, (req, res) => {
      const key = Fields.ofQuery(req, invalidRequest).string('idempotencyKey');
      const record = this.registrationByKey.get(key);
      res.json({ registrations: record ? [this.registrationView(record)] : [] });
    });

    this.route('get', `${api}/owner-registrations/:id`, ...authenticated, (req, res) => {
      res.json(this.registrationView(this.registrationOf(req)));
    });

    this.route('post', `${api}/owner-registrations/:id/withdraw`, ...authenticated, (req, res) => {
      const record = this.registrationOf(req);
      // Withdrawing twice changes nothing; a rejected registration has nothing to withdraw.
      if (this.statusOf(record) !== 'REJECTED') record.withdrawnAt ??= Date.now();
      res.json(this.registrationView(record));
    });
  }

  exportState(): OperatorState {
    return { sims: [...this.sims.values()], registrations: [...this.registrations.values()], registrationSeq: this.registrationSeq };
  }

  /**
   * A registration is decided by the clock (decideAt, a point in time), not by a timer: one
   * pending when the state was saved is decided on time after a restart, or at once if that
   * time passed while the simulator was down.
   */
  importState(state: OperatorState): void {
    this.sims.clear();
    this.registrations.clear();
    this.registrationByKey.clear();
    for (const sim of state.sims) this.sims.set(sim.iccid, sim);
    for (const record of state.registrations) {
      this.registrations.set(record.registrationId, record);
      this.registrationByKey.set(record.idempotencyKey, record);
    }
    this.registrationSeq = state.registrationSeq;
  }

  /** In-process seeding, as the operator's delivery of SIM cards would. */
  addSim(input: { iccid: string; msisdn?: string; status?: SimStatus; imsi?: string; imei?: string; ratePlan?: string }): OperatorSimRecord {
    if (!isValidIccid(input.iccid)) throw new Error('invalid ICCID');
    const now = new Date().toISOString();
    const sim: OperatorSimRecord = {
      iccid: input.iccid,
      // MCC 250 (Russia) + MNC 99 (not assigned): clearly fake IMSIs.
      imsi: input.imsi ?? `25099${input.iccid.slice(-11, -1)}`,
      status: input.status ?? 'INVENTORY',
      ratePlan: input.ratePlan ?? 'CORP-100MIN-3GB',
      communicationPlan: 'CORP-BUSINESS-APPS',
      dateUpdated: now,
    };
    if (input.msisdn) sim.msisdn = input.msisdn;
    if (input.imei) sim.imei = input.imei;
    if (sim.status === 'ACTIVATED') sim.dateActivated = now;
    this.sims.set(sim.iccid, sim);
    return sim;
  }

  /** In-process seeding: a registration accepted before phonefleet existed. */
  importAcceptedRegistration(registrationId: string, iccid: string): void {
    if (this.registrations.has(registrationId)) return;
    const now = Date.now();
    const record: RegistrationRecord = {
      registrationId,
      iccid,
      idempotencyKey: `imported:${registrationId}`,
      submittedAt: now,
      decideAt: now,
      outcome: { status: 'ACCEPTED' },
      confirmedAt: now, // from before phonefleet: confirmed then
    };
    this.registrations.set(registrationId, record);
    this.registrationByKey.set(record.idempotencyKey, record);
  }

  setStatus(sim: OperatorSimRecord, status: SimStatus): void {
    if (sim.status === status) return;
    sim.status = status;
    sim.dateUpdated = new Date().toISOString();
    if (status === 'ACTIVATED') sim.dateActivated ??= sim.dateUpdated;
  }

  /** Takes effect for registrations submitted from now on. */
  setRegistrationPolicy(update: { decideAfterMs?: number; rejectAll?: boolean; reason?: string; rejectDocumentNumbers?: string[] }): void {
    if (update.decideAfterMs !== undefined) this.policy.decideAfterMs = update.decideAfterMs;
    if (update.rejectAll !== undefined) this.policy.rejectAll = update.rejectAll;
    if (update.reason !== undefined) this.policy.reason = update.reason;
    if (update.rejectDocumentNumbers !== undefined) {
      this.rejectedDocumentDigests.clear();
      for (const n of update.rejectDocumentNumbers) this.rejectedDocumentDigests.add(digest(n));
    }
  }

  /** The person confirms the accepted registration on the state portal (again: no change). */
  confirmRegistration(registrationId: string): RegistrationSummary {
    const record = this.registrations.get(registrationId);
    if (!record) throw new SimHttpError(404, { error: 'unknown registration' });
    if (this.statusOf(record) !== 'ACCEPTED') throw new SimHttpError(409, { error: `registration is ${this.statusOf(record)}, only an accepted one is confirmed` });
    record.confirmedAt ??= Date.now();
    return { ...this.registrationView(record), idempotencyKey: record.idempotencyKey };
  }

  registrationSummaries(): RegistrationSummary[] {
    return [...this.registrations.values()].map((r) => {
      const view = this.registrationView(r);
      return { ...view, idempotencyKey: r.idempotencyKey };
    });
  }

  private mountAdmin(): void {
    const reject = plainError(400);
    this.admin.post('/sims', (req, res) => {
      const inputs = itemsOf(req).map((item) => {
        const fields = new Fields(item, reject);
        const iccid = fields.string('iccid');
        if (!isValidIccid(iccid)) throw reject('iccid must start with 89, have 19-20 digits and a valid Luhn check digit');
        const status = fields.optionalString('status');
        if (status !== undefined && !(SIM_STATUSES as readonly string[]).includes(status)) throw reject(`status must be one of ${SIM_STATUSES.join(', ')}`);
        const input: Parameters<OperatorSimulator['addSim']>[0] = { iccid };
        if (status !== undefined) input.status = status as SimStatus;
        for (const name of ['msisdn', 'imsi', 'imei', 'ratePlan'] as const) {
          const value = fields.optionalString(name);
          if (value) input[name] = value;
        }
        return input;
      });
      res.status(201).json(inputs.map((input) => this.addSim(input)));
    });
    this.admin.get('/sims/:iccid', (req, res) => {
      const sim = this.sims.get(req.params.iccid);
      if (!sim) throw new SimHttpError(404, { error: 'unknown ICCID' });
      res.json(sim);
    });
    this.admin.put('/registration-policy', (req, res) => {
      const fields = new Fields(bodyOf(req), reject);
      const update: Parameters<OperatorSimulator['setRegistrationPolicy']>[0] = {};
      const decideAfterMs = fields.optionalNumber('decideAfterMs');
      if (decideAfterMs !== undefined) {
        if (decideAfterMs < 0) throw reject('decideAfterMs must not be negative');
        update.decideAfterMs = decideAfterMs;
      }
      const rejectAll = fields.optionalBoolean('rejectAll');
      if (rejectAll !== undefined) update.rejectAll = rejectAll;
      const reason = fields.optionalString('reason');
      if (reason !== undefined) update.reason = reason;
      const rejectDocumentNumbers = fields.optionalStringList('rejectDocumentNumbers');
      if (rejectDocumentNumbers !== undefined) update.rejectDocumentNumbers = rejectDocumentNumbers;
      this.setRegistrationPolicy(update);
      // Never echo document numbers back.
      res.json({ ...this.policy, rejectDocumentNumbersCount: this.rejectedDocumentDigests.size });
    });
    this.admin.post('/registrations/:id/confirm', (req, res) => {
      res.json(this.confirmRegistration(String(req.params.id)));
    });
    mountCallLimitAdmin(this.admin, this.callLimiter);
    this.admin.put('/numbers', (req, res) => {
      const withheld = new Fields(bodyOf(req), reject).optionalBoolean('withheld');
      if (withheld === undefined) throw reject('withheld is required');
      this.withholdNumbers = withheld;
      res.json({ withheld });
    });
    this.admin.get('/registrations', (_req, res) => {
      res.json(this.registrationSummaries());
    });
  }

  private simOf(req: Request): OperatorSimRecord {
    const sim = this.sims.get(String(req.params.iccid));
    if (!sim) throw operatorError(404, ERROR.NOT_FOUND, 'Resource not found - Invalid ICCID');
    return sim;
  }

  private registrationOf(req: Request): RegistrationRecord {
    const record = this.registrations.get(String(req.params.id));
    if (!record) throw operatorError(404, ERROR.NOT_FOUND, 'Unknown registration');
    return record;
  }

  /** Checks the owner's identity is complete and well formed; returns only the document number. */
  private validatedDocumentNumber(owner: Fields): string {
    owner.string('firstName');
    owner.string('lastName');
    owner.string('nationality');
    owner.oneOf('documentType', ['PASSPORT', 'ID_CARD'] as const);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(owner.string('birthDate'))) throw invalidRequest('owner.birthDate must be YYYY-MM-DD');
    return owner.string('documentNumber');
  }

  private statusOf(record: RegistrationRecord): OwnerRegistrationStatus {
    if (record.withdrawnAt !== undefined) return 'WITHDRAWN';
    if (Date.now() < record.decideAt) return 'PENDING';
    return record.outcome.status;
  }

  private registrationView(record: RegistrationRecord): Omit<RegistrationSummary, 'idempotencyKey'> {
    const status = this.statusOf(record);
    const view = { registrationId: record.registrationId, iccid: record.iccid, status };
    if (status === 'REJECTED' && record.outcome.status === 'REJECTED') return { ...view, reason: record.outcome.reason };
    if (status !== 'ACCEPTED') return view;
    return record.confirmedAt !== undefined
      ? { ...view, confirmedAt: new Date(record.confirmedAt).toISOString() }
      : { ...view, confirmBy: new Date(record.decideAt + this.confirmWithinMs).toISOString() };
  }
}
