// The artifact stores keep accepted APKs by their SHA-256 (issue 9 §2): the local folder and an
// S3-compatible bucket (ARTIFACT_STORE=s3://...) behave the same. The bucket is a real S3 API
// server (s3rver, speaking the S3 REST API the AWS SDK signs its requests for) on a local port.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactStoreFor, LocalArtifactStore, S3ArtifactStore, type ArtifactStore } from '../../src/release/artifact-store.ts';

const BUCKET = 'phonefleet-artifacts';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

let server: S3rver;
let endpoint = '';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-s3-'));

beforeAll(async () => {
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const { port } = (await server.run()) as { port: number };
  endpoint = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const stores: [string, () => ArtifactStore][] = [
  ['a local folder', () => new LocalArtifactStore(fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-artifacts-')))],
  ['an S3-compatible bucket', () => new S3ArtifactStore({ bucket: BUCKET, prefix: `apks/${crypto.randomUUID()}`, region: 'us-east-1', endpoint, credentials: CREDENTIALS })],
];

describe.each(stores)('the artifact store in %s', (_name, make) => {
  it('keeps bytes under their SHA-256, a second put of them is a no-op, an unknown digest is absent', async () => {
    const store = make();
    const apk = crypto.randomBytes(200_000);
    expect(await store.has(sha(apk))).toBe(false);
    expect(await store.get(sha(apk))).toBeUndefined();
    await store.put(sha(apk), apk);
    await store.put(sha(apk), apk);
    expect(await store.has(sha(apk))).toBe(true);
    expect((await store.get(sha(apk)))!.equals(apk)).toBe(true);
  });

  it('refuses bytes that are not the digest they are put under, and keeps nothing', async () => {
    const store = make();
    const apk = crypto.randomBytes(1000);
    const other = sha(crypto.randomBytes(1000));
    await expect(store.put(other, apk)).rejects.toThrow(`the bytes are not ${other}`);
    expect(await store.has(other)).toBe(false);
    await expect(store.put('not-a-digest', apk)).rejects.toThrow('not a SHA-256');
  });
});

describe('the bucket', () => {
  it('lays objects out as <prefix>/<two hex digits>/<sha256>.apk, with the APK content type', async () => {
    const prefix = `layout/${crypto.randomUUID()}`;
    const store = new S3ArtifactStore({ bucket: BUCKET, prefix, region: 'us-east-1', endpoint, credentials: CREDENTIALS });
    const apk = crypto.randomBytes(500);
    const digest = sha(apk);
    await store.put(digest, apk);
    const res = await fetch(`${endpoint}/${BUCKET}/${prefix}/${digest.slice(0, 2)}/${digest}.apk`, { method: 'HEAD' });
    // s3rver serves anonymous reads of a bucket without a policy; what matters is the key.
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.android.package-archive');
  });

  it('an object changed in the bucket behind its back is not handed out as the APK', async () => {
    const prefix = `tampered/${crypto.randomUUID()}`;
    const store = new S3ArtifactStore({ bucket: BUCKET, prefix, region: 'us-east-1', endpoint, credentials: CREDENTIALS });
    const apk = crypto.randomBytes(500);
    const digest = sha(apk);
    await store.put(digest, apk);
    const s3 = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: CREDENTIALS });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}/${digest.slice(0, 2)}/${digest}.apk`, Body: crypto.randomBytes(500) }));
    s3.destroy();
    await expect(store.get(digest)).rejects.toThrow(`the bytes are not ${digest}`);
  });

  it('the configuration picks the store: local by default, the bucket for s3://', () => {
    expect(artifactStoreFor({ kind: 'local' }, dir)).toBeInstanceOf(LocalArtifactStore);
    const s3 = artifactStoreFor({ kind: 's3', bucket: BUCKET, prefix: 'p', region: 'eu-central-1', endpoint }, dir);
    expect(s3).toBeInstanceOf(S3ArtifactStore);
    expect((s3 as S3ArtifactStore).options).toMatchObject({ bucket: BUCKET, prefix: 'p', region: 'eu-central-1', endpoint });
  });
});
