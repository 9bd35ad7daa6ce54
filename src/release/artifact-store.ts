// Where accepted APKs are kept, content-addressed by SHA-256: the MDM uploads read them from
// here, and so does a rollback long after Jenkins has cleaned its workspace. A local folder by
// default (one machine); an S3-compatible bucket by configuration (ARTIFACT_STORE=s3://...),
// for an API and workers on several machines.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

export interface ArtifactStore {
  /** Keeps `bytes` under their SHA-256 (hex, which the caller has checked); a second put of the same bytes is a no-op. */
  put(sha256: string, bytes: Buffer): Promise<void>;
  /** The bytes kept under `sha256`, or undefined. */
  get(sha256: string): Promise<Buffer | undefined>;
  has(sha256: string): Promise<boolean>;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** `<first two hex digits>/<sha256>.apk`: the same layout in a folder and in a bucket. */
function keyOf(sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
  return `${sha256.slice(0, 2)}/${sha256}.apk`;
}

function checkBytes(sha256: string, bytes: Buffer): void {
  if (crypto.createHash('sha256').update(bytes).digest('hex') !== sha256) throw new Error(`the bytes are not ${sha256}`);
}

/** A folder: `<dir>/<first two hex digits>/<sha256>.apk`, each written to a temporary name and renamed, so a reader never sees half a file. */
export class LocalArtifactStore implements ArtifactStore {
  constructor(readonly dir: string) {}

  private file(sha256: string): string {
    return path.join(this.dir, keyOf(sha256));
  }

  async put(sha256: string, bytes: Buffer): Promise<void> {
    const file = this.file(sha256);
    checkBytes(sha256, bytes);
    if (await this.has(sha256)) return;
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
    await fs.promises.writeFile(partial, bytes);
    await fs.promises.rename(partial, file);
  }

  async get(sha256: string): Promise<Buffer | undefined> {
    try {
      return await fs.promises.readFile(this.file(sha256));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async has(sha256: string): Promise<boolean> {
    return fs.existsSync(this.file(sha256));
  }
}

export interface S3ArtifactStoreOptions {
  bucket: string;
  /** Folder inside the bucket ("" for its root). */
  prefix: string;
  /** An S3-compatible server (MinIO, Ceph, a cloud's S3 API); AWS S3 itself when absent. */
  endpoint?: string;
  region: string;
  /** From the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) when absent: the SDK's own chain. */
  credentials?: S3ClientConfig['credentials'];
}

/**
 * A bucket of an S3-compatible store. The object's checksum (x-amz-checksum-sha256) is the
 * artifact's own SHA-256, so the store refuses bytes that changed on the way.
 */
export class S3ArtifactStore implements ArtifactStore {
  private readonly s3: S3Client;
  constructor(readonly options: S3ArtifactStoreOptions) {
    this.s3 = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  private key(sha256: string): string {
    return `${this.options.prefix ? `${this.options.prefix.replace(/\/+$/, '')}/` : ''}${keyOf(sha256)}`;
  }

  async put(sha256: string, bytes: Buffer): Promise<void> {
    const key = this.key(sha256);
    checkBytes(sha256, bytes);
    if (await this.has(sha256)) return;
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: bytes,
        ContentType: 'application/vnd.android.package-archive',
        ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
      }),
    );
  }

  async get(sha256: string): Promise<Buffer | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(sha256) }));
      const bytes = Buffer.from(await out.Body!.transformToByteArray());
      // What comes back is what was kept, or nothing: a corrupted object is not an APK to upload.
      checkBytes(sha256, bytes);
      return bytes;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.key(sha256) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  close(): void {
    this.s3.destroy();
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/** The store a configuration names (src/config.ts releaseConfigFromEnv); a local one in `localDir` by default. */
export function artifactStoreFor(config: { kind: 'local' } | ({ kind: 's3' } & Omit<S3ArtifactStoreOptions, 'credentials'>), localDir: string): ArtifactStore {
  if (config.kind === 'local') return new LocalArtifactStore(localDir);
  const { kind: _kind, ...options } = config;
  return new S3ArtifactStore(options);
}
