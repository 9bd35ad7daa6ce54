// The leasing partner: every phone is leased with an extended warranty, so a lost phone is
// written off with them and a broken one is swapped whole.

export interface LeaseCase {
  caseId: string;
  imei: string;
  kind: 'WRITE_OFF' | 'SWAP';
  status: 'OPEN' | 'CLOSED';
}

export interface LeasePartnerApi {
  /** The phone will not come back (bricked, written off as lost). Same idempotencyKey = same case. */
  reportLoss(input: { imei: string; leaseContract: string; reason: string }, idempotencyKey: string): Promise<LeaseCase>;
  /** A damaged phone came back: ask for a replacement. Same idempotencyKey = same case. */
  requestSwap(input: { imei: string; leaseContract: string; reason: string }, idempotencyKey: string): Promise<LeaseCase>;
}
