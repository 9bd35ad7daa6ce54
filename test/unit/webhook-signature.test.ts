import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { sign, SignatureError, verify } from '../../src/api/webhook-signature.ts';

const secret = 'whsec_' + Buffer.from('a-test-secret-of-32-bytes-length!').toString('base64');
const other = 'whsec_' + Buffer.from('another-secret-for-rotation-test!').toString('base64');
const body = '{"specversion":"1.0"}';
const now = 1_764_000_000_000;
const ts = Math.floor(now / 1000);

function headers(sig: string, timestamp = ts, id = 'msg_1') {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': sig };
}

describe('Standard Webhooks signature', () => {
  it('accepts a signature made with the secret over id.timestamp.body', () => {
    expect(verify([secret], headers(sign(secret, 'msg_1', ts, body)), body, now)).toEqual({ id: 'msg_1', timestamp: ts });
  });

  it('matches the Standard Webhooks reference vector', () => {
    // From the standard-webhooks specification's test vectors.
    const refSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const refBody = '{"test": 2432232314}';
    expect(sign(refSecret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, refBody)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('rejects a body changed after signing', () => {
    expect(() => verify([secret], headers(sign(secret, 'msg_1', ts, body)), body + ' ', now)).toThrow(SignatureError);
  });

  it('rejects a signature made with another secret', () => {
    expect(() => verify([secret], headers(sign(other, 'msg_1', ts, body)), body, now)).toThrow('no valid signature');
  });

  it('accepts either secret during a rotation, and any of several signatures', () => {
    const both = `${sign(other, 'msg_1', ts, body)} ${sign(secret, 'msg_1', ts, body)}`;
    expect(verify([secret], headers(both), body, now).id).toBe('msg_1');
    expect(verify([other, secret], headers(sign(secret, 'msg_1', ts, body)), body, now).id).toBe('msg_1');
  });

  it('rejects timestamps outside the 5-minute tolerance (replays)', () => {
    const old = ts - 301;
    expect(() => verify([secret], headers(sign(secret, 'msg_1', old, body), old), body, now)).toThrow('tolerance');
    const future = ts + 301;
    expect(() => verify([secret], headers(sign(secret, 'msg_1', future, body), future), body, now)).toThrow('tolerance');
  });

  it('rejects missing headers', () => {
    expect(() => verify([secret], {}, body, now)).toThrow('missing');
  });

  it('signs and verifies exactly as the standardwebhooks package does (its vectors, and 300 generated messages)', () => {
    // The package's own test vector (standard-webhooks/libraries javascript/src/index.test.ts).
    const vector = { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', ts: 1614265330, body: '{"test": 2432232314}' };
    expect(new Webhook(vector.secret).sign(vector.id, new Date(vector.ts * 1000), vector.body)).toBe(sign(vector.secret, vector.id, vector.ts, vector.body));
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 64 }),
        fc.stringMatching(/^msg_[A-Za-z0-9]{1,30}$/),
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        (key, id, payload) => {
          const whsec = 'whsec_' + Buffer.from(key).toString('base64');
          const nowSeconds = Math.floor(Date.now() / 1000);
          const theirs = new Webhook(whsec).sign(id, new Date(nowSeconds * 1000), payload);
          expect(sign(whsec, id, nowSeconds, payload)).toBe(theirs);
          // Each side accepts the other's signature.
          expect(verify([whsec], headers(theirs, nowSeconds, id), payload).id).toBe(id);
          expect(() => new Webhook(whsec).verify(payload, headers(sign(whsec, id, nowSeconds, payload), nowSeconds, id), { jsonParse: false })).not.toThrow();
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });
});
