// The one way phonefleet opens its database. With DATABASE_URL it is a PostgreSQL server
// shared by any number of API and worker processes; without it, an embedded PostgreSQL
// (PGlite) in a data folder, so `npm start` needs no configuration. Either way the schema is
// migrated before anyone gets a client, so code can rely on the tables existing.
import fs from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from './generated/client.ts';
import { applyMigrations, type ApplyMigrationsResult } from './migrate.ts';

export type Db = PrismaClient;

export const DEFAULT_DATA_DIR = '.data/pglite';

export interface DatabaseOptions {
  /** A PostgreSQL URL; when absent the embedded database is used. */
  databaseUrl?: string;
  /** The embedded database's folder (default `.data/pglite`, relative to the working directory). */
  dataDir?: string;
}

export interface Database {
  prisma: Db;
  kind: 'postgresql' | 'pglite';
  /** What the start-up migration did (e.g. to log it). */
  migrations: ApplyMigrationsResult;
  close(): Promise<void>;
}

/** DATABASE_URL selects PostgreSQL; else PGlite in <PHONEFLEET_DATA_DIR, default .data>/pglite, as src/config.ts. */
export function databaseOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseOptions {
  return { databaseUrl: env.DATABASE_URL || undefined, dataDir: path.join(env.PHONEFLEET_DATA_DIR || '.data', 'pglite') };
}

export async function openDatabase(opts: DatabaseOptions = {}): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl) : openPglite(path.resolve(opts.dataDir ?? DEFAULT_DATA_DIR));
}

async function openPostgres(databaseUrl: string): Promise<Database> {
  const migrations = await applyMigrations({ databaseUrl });
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  let closing: Promise<void> | undefined;
  return { prisma, kind: 'postgresql', migrations, close: () => (closing ??= prisma.$disconnect()) };
}

async function openPglite(dataDir: string): Promise<Database> {
  await fs.mkdir(path.dirname(dataDir), { recursive: true }); // PGlite does not create parents
  const unlock = await lockDataDir(dataDir);
  let pglite: PGlite | undefined;
  try {
    pglite = await keepingExitCode(async () => {
      const db = new PGlite(dataDir);
      await db.waitReady;
      return db;
    });
    const migrations = await applyMigrations({ pglite });
    const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
    const db = pglite;
    let closing: Promise<void> | undefined;
    return {
      prisma,
      kind: 'pglite',
      migrations,
      close: () =>
        (closing ??= (async () => {
          await prisma.$disconnect();
          await keepingExitCode(() => db.close());
          await unlock();
        })()),
    };
  } catch (e) {
    const failed = pglite;
    if (failed) await keepingExitCode(() => failed.close()).catch(() => undefined);
    await unlock();
    throw e;
  }
}

// PGlite 0.4.3 (its Emscripten runtime) overwrites process.exitCode when it starts (99) and
// closes (0): a CLI that failed would exit 0, one that succeeded would exit 99.
async function keepingExitCode<T>(work: () => Promise<T>): Promise<T> {
  const exitCode = process.exitCode;
  try {
    return await work();
  } finally {
    process.exitCode = exitCode;
  }
}

// PGlite is PostgreSQL inside this process with no locking of its own: a second process (or a
// second instance here) on the same folder corrupts it. A pid file next to the folder makes
// that a clear error instead; a file left by a dead process is taken over.
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = `${dataDir}.lock`;
  for (;;) {
    try {
      await fs.writeFile(lockFile, String(process.pid), { flag: 'wx' });
      return () => fs.rm(lockFile, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(await fs.readFile(lockFile, 'utf8').catch(() => ''));
    if (holder && isRunning(holder)) {
      throw new Error(
        `the embedded database ${dataDir} is in use by process ${holder}: stop it, or set DATABASE_URL to share a PostgreSQL server`,
      );
    }
    await fs.rm(lockFile, { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
