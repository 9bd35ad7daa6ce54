// Standard Webhooks verification (the scheme HR signs its CloudEvents with): HMAC-SHA256 over
// "<webhook-id>.<webhook-timestamp>.<body>", base64, sent as "v1,<sig>" (several, space-separated,
// while a secret is being rotated). Timestamps outside the tolerance are refused so a captured
// request cannot be replayed later.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export class SignatureError extends Error {
  override readonly name = 'SignatureError';
}

/** `whsec_<base64>` (Standard Webhooks) or raw base64. */
export function secretBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

export function sign(secret: string, id: string, timestamp: number, body: string): string {
  return 'v1,' + createHmac('sha256', secretBytes(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
}

export interface SignedHeaders {
  'webhook-id'?: string;
  'webhook-timestamp'?: string;
  'webhook-signature'?: string;
}

/**
 * Throws SignatureError unless one of the signatures matches one of the secrets (two secrets
 * are accepted while rotating) and the timestamp is within the tolerance of `now`.
 */
export function verify(secrets: string[], headers: SignedHeaders, body: string, now = Date.now()): { id: string; timestamp: number } {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !ts || !signatures) throw new SignatureError('missing webhook-id, webhook-timestamp or webhook-signature header');
  if (!/^\d+$/.test(ts)) throw new SignatureError('webhook-timestamp must be whole seconds since the epoch');
  const timestamp = Number(ts);
  if (Math.abs(now / 1000 - timestamp) > SIGNATURE_TOLERANCE_SECONDS) throw new SignatureError('webhook-timestamp is outside the 5-minute tolerance');

  const offered = signatures
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  for (const secret of secrets) {
    const expected = Buffer.from(sign(secret, id, timestamp, body).slice(3), 'base64');
    if (offered.some((sig) => sig.length === expected.length && timingSafeEqual(sig, expected))) return { id, timestamp };
  }
  throw new SignatureError('no valid signature');
}
