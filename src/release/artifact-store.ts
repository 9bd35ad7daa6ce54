// Where accepted APKs are kept, content-addressed by SHA-256: the MDM uploads read them from
// here, and so does a rollback long after Jenkins has cleaned its workspace. A local folder by
// default; an S3-compatible store belongs behind the same interface.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface ArtifactStore {
  /** Keeps `bytes` under their SHA-256 (hex, which the caller has checked); a second put of the same bytes is a no-op. */
  put(sha256: string, bytes: Buffer): Promise<void>;
  /** The bytes kept under `sha256`, or undefined. */
  get(sha256: string): Promise<Buffer | undefined>;
  has(sha256: string): Promise<boolean>;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** A folder: `<dir>/<first two hex digits>/<sha256>.apk`, each written to a temporary name and renamed, so a reader never sees half a file. */
export class LocalArtifactStore implements ArtifactStore {
  constructor(readonly dir: string) {}

  private file(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
    return path.join(this.dir, sha256.slice(0, 2), `${sha256}.apk`);
  }

  async put(sha256: string, bytes: Buffer): Promise<void> {
    const file = this.file(sha256);
    if (crypto.createHash('sha256').update(bytes).digest('hex') !== sha256) throw new Error(`the bytes are not ${sha256}`);
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
