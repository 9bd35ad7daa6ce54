// The leasing partner's case API over HTTP (bearer token). Opening a case carries an
// Idempotency-Key: a retried report answers the case already opened instead of a second one.
import { PermanentSystemError } from '../shared/errors.ts';
import { HttpClient, staticBearer } from '../shared/http-client.ts';
import type { LeaseCase, LeasePartnerApi } from './api.ts';

export interface LeasePartnerHttpConfig {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
}

type CaseInput = { imei: string; leaseContract: string; reason: string };

const SYSTEM = 'lease-partner';

function toCase(answer: Partial<LeaseCase> | undefined): LeaseCase {
  const ok =
    answer !== undefined &&
    typeof answer.caseId === 'string' &&
    typeof answer.imei === 'string' &&
    (answer.kind === 'WRITE_OFF' || answer.kind === 'SWAP') &&
    (answer.status === 'OPEN' || answer.status === 'CLOSED');
  if (!ok) throw new PermanentSystemError(SYSTEM, 'openCase failed: unexpected answer');
  return { caseId: answer.caseId!, imei: answer.imei!, kind: answer.kind!, status: answer.status! };
}

export class LeasePartnerHttpApi implements LeasePartnerApi {
  private readonly http: HttpClient;

  constructor(config: LeasePartnerHttpConfig) {
    this.http = new HttpClient({
      system: SYSTEM,
      baseUrl: config.baseUrl,
      auth: staticBearer(config.token),
      ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
    });
  }

  reportLoss(input: CaseInput, idempotencyKey: string): Promise<LeaseCase> {
    return this.openCase('WRITE_OFF', input, idempotencyKey);
  }

  requestSwap(input: CaseInput, idempotencyKey: string): Promise<LeaseCase> {
    return this.openCase('SWAP', input, idempotencyKey);
  }

  private async openCase(kind: LeaseCase['kind'], input: CaseInput, idempotencyKey: string): Promise<LeaseCase> {
    const answer = await this.http.request<Partial<LeaseCase>>({
      operation: 'openCase',
      method: 'POST',
      path: '/api/v1/cases',
      json: { kind, imei: input.imei, leaseContract: input.leaseContract, reason: input.reason },
      headers: { 'idempotency-key': idempotencyKey },
    });
    return toCase(answer);
  }
}
