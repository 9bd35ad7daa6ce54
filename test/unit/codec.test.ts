import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec, payloadKeyFromBase64 } from '../../src/temporal/codec.ts';

const key = () => payloadKeyFromBase64(randomBytes(32).toString('base64'));

describe('AES-256-GCM payload codec', () => {
  const identity = { firstName: 'Ivan', documentNumber: '4509 123456' };

  it('encrypts so the plaintext is not in the stored bytes, and decrypts back', async () => {
    const codec = new EncryptionCodec(key());
    const [encoded] = await codec.encode([defaultPayloadConverter.toPayload(identity)]);
    expect(Buffer.from(encoded.data!).toString('latin1')).not.toContain('Ivan');
    expect(Buffer.from(encoded.metadata!.encoding!).toString()).toBe('binary/encrypted');
    const [decoded] = await codec.decode([encoded]);
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual(identity);
  });

  it('decrypts with a previous key after rotation, and refuses an unknown key', async () => {
    const old = key();
    const [sealed] = await new EncryptionCodec(old).encode([defaultPayloadConverter.toPayload(identity)]);
    expect(defaultPayloadConverter.fromPayload((await new EncryptionCodec(key(), [old]).decode([sealed]))[0])).toEqual(identity);
    await expect(new EncryptionCodec(key()).decode([sealed])).rejects.toThrow('no payload key');
  });

  it('detects tampering (GCM authentication)', async () => {
    const codec = new EncryptionCodec(key());
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(identity)]);
    const data = Buffer.from(sealed.data!);
    data[20] ^= 1;
    await expect(codec.decode([{ ...sealed, data }])).rejects.toThrow();
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => payloadKeyFromBase64(randomBytes(16).toString('base64'))).toThrow('32 bytes');
  });
});
