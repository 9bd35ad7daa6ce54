// The leasing partner's case API (modelled: no public standard), bearer token:
//   POST /api/v1/cases {kind: 'WRITE_OFF' | 'SWAP', imei, leaseContract, reason} with an
//        Idempotency-Key header -> 201 {caseId, imei, kind, status: 'OPEN'}; the same key again
//        answers the same case with 200 (a retried report must not write a phone off twice)
//   GET  /api/v1/cases/:id
// Every phone is leased with an extended warranty: a phone that will not come back is written
// off, a broken one is swapped whole.
import type { Request } from 'express';
import { isValidImei } from '../../domain/identifiers.ts';
import { randomSecret, requireBearer, safeEqual } from '../shared/simulator-auth.ts';
import { Fields, SimHttpError } from '../shared/request-fields.ts';
import { Simulator, type SimulatorOptions } from '../shared/simulator.ts';

export type LeaseCaseKind = 'WRITE_OFF' | 'SWAP';

export interface LeaseCaseRecord {
  caseId: string;
  kind: LeaseCaseKind;
  imei: string;
  leaseContract: string;
  reason: string;
  status: 'OPEN' | 'CLOSED';
  idempotencyKey: string;
  openedAt: string;
  closedAt?: string;
}

export interface LeasePartnerState {
  cases: LeaseCaseRecord[];
  caseSeq: number;
}

export interface LeasePartnerSimulatorOptions extends SimulatorOptions {
  token?: string;
}

function leaseError(status: number, code: string, message: string): SimHttpError {
  return new SimHttpError(status, { error: { code, message } });
}

const invalid = (message: string): SimHttpError => leaseError(400, 'INVALID_REQUEST', message);

function caseView(record: LeaseCaseRecord): Record<string, unknown> {
  const { caseId, imei, kind, status, leaseContract, reason, openedAt, closedAt } = record;
  return { caseId, imei, kind, status, leaseContract, reason, openedAt, ...(closedAt ? { closedAt } : {}) };
}

export class LeasePartnerSimulator extends Simulator<LeasePartnerState> {
  readonly token: string;
  private readonly cases = new Map<string, LeaseCaseRecord>();
  private readonly byKey = new Map<string, LeaseCaseRecord>();
  private caseSeq = 0;

  constructor(options: LeasePartnerSimulatorOptions = {}) {
    super('lease-partner', options);
    this.token = options.token ?? randomSecret();
    this.mountAdmin();

    const authenticated = requireBearer(
      (token) => safeEqual(token, this.token),
      () => leaseError(401, 'UNAUTHORIZED', 'Invalid bearer token'),
    );

    this.route('post', '/api/v1/cases', authenticated, (req, res) => {
      const key = req.get('idempotency-key');
      if (!key) throw invalid('Idempotency-Key header is required');
      const fields = Fields.ofBody(req, invalid);
      const kind = fields.oneOf('kind', ['WRITE_OFF', 'SWAP'] as const);
      const imei = fields.string('imei');
      if (!isValidImei(imei)) throw invalid('imei must be 15 digits with a valid Luhn check digit');
      const leaseContract = fields.string('leaseContract');
      const reason = fields.string('reason');
      const previous = this.byKey.get(key);
      if (previous) {
        if (previous.imei !== imei || previous.kind !== kind) throw leaseError(422, 'IDEMPOTENCY_KEY_REUSED', 'Idempotency-Key reused for a different request');
        res.status(200).json(caseView(previous));
        return;
      }
      const record: LeaseCaseRecord = {
        caseId: `LC${String(++this.caseSeq).padStart(7, '0')}`,
        kind,
        imei,
        leaseContract,
        reason,
        status: 'OPEN',
        idempotencyKey: key,
        openedAt: new Date().toISOString(),
      };
      this.cases.set(record.caseId, record);
      this.byKey.set(key, record);
      res.status(201).json(caseView(record));
    });

    this.route('get', '/api/v1/cases/:id', authenticated, (req, res) => {
      res.json(caseView(this.caseOf(req)));
    });
  }

  exportState(): LeasePartnerState {
    return { cases: this.listCases(), caseSeq: this.caseSeq };
  }

  importState(state: LeasePartnerState): void {
    this.cases.clear();
    this.byKey.clear();
    for (const record of state.cases) {
      this.cases.set(record.caseId, record);
      this.byKey.set(record.idempotencyKey, record);
    }
    this.caseSeq = state.caseSeq;
  }

  /** Every case, oldest first, with its idempotency key. */
  listCases(): LeaseCaseRecord[] {
    return [...this.cases.values()];
  }

  /** The partner settles a case (the replacement shipped, the write-off invoiced). */
  closeCase(caseId: string): LeaseCaseRecord | undefined {
    const record = this.cases.get(caseId);
    if (record && record.status === 'OPEN') {
      record.status = 'CLOSED';
      record.closedAt = new Date().toISOString();
    }
    return record;
  }

  private caseOf(req: Request): LeaseCaseRecord {
    const record = this.cases.get(String(req.params.id));
    if (!record) throw leaseError(404, 'NOT_FOUND', 'Unknown case');
    return record;
  }

  /** `GET /_sim/cases`, `POST /_sim/cases/:id/close`. */
  private mountAdmin(): void {
    this.admin.get('/cases', (_req, res) => {
      res.json(this.listCases());
    });
    this.admin.post('/cases/:id/close', (req, res) => {
      const record = this.closeCase(req.params.id);
      if (!record) throw new SimHttpError(404, { error: 'unknown case' });
      res.json(record);
    });
  }
}
