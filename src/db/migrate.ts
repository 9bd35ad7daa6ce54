// Applies prisma/migrations/*/migration.sql the way `prisma migrate deploy` does, without the
// native schema engine (it cannot be downloaded on machines without internet, see PRISMA.md).
// The bookkeeping is Prisma's own (`_prisma_migrations`, sha256 checksums, advisory lock
// 72707369), so a machine with internet can later run the real `prisma migrate deploy` or
// `prisma migrate status` against the same database and find a clean history.
//
// Safe to call on every start-up: already-applied migrations are skipped, and on PostgreSQL
// concurrent callers (several API/worker processes starting together) queue on the same
// advisory lock Prisma takes, so each migration runs once.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loggerFor } from '../observability/log.ts';

const log = loggerFor('start');

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prisma/migrations');

/** The lock key Prisma's schema engine takes on PostgreSQL; sharing it serialises us with it too. */
const PRISMA_ADVISORY_LOCK = 72707369;

// Byte-for-byte the table Prisma's schema engine creates.
const MIGRATIONS_TABLE_DDL = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** Where to apply: a PostgreSQL server by URL (the embedded one too). */
export interface MigrationTarget {
  databaseUrl: string;
}

export interface ApplyMigrationsOptions {
  migrationsDir?: string;
  /** How long to wait for another process that is migrating the same database. */
  lockTimeoutMs?: number;
  warn?: (message: string) => void;
}

export interface ApplyMigrationsResult {
  /** Migrations applied by this call, in order. */
  applied: string[];
  /** Applied earlier, but the file changed since: the database may not match the file. */
  edited: string[];
  /** Recorded in the database but absent from the migrations folder (e.g. an older build). */
  missingLocally: string[];
}

export interface LocalMigration {
  name: string;
  sql: string;
  checksum: string;
}

/** Prisma's checksum: sha256 hex of the migration file's bytes. */
export function migrationChecksum(sql: string): string {
  return crypto.createHash('sha256').update(sql, 'utf8').digest('hex');
}

/** The migrations folder as Prisma reads it: one directory per migration, ordered by name. */
export async function readMigrations(migrationsDir = MIGRATIONS_DIR): Promise<LocalMigration[]> {
  const entries = await fs.readdir(migrationsDir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(migrationsDir, name, 'migration.sql');
      const sql = await fs.readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
        throw new Error(`migration ${name} has no readable migration.sql (${file}): ${e.message}`);
      });
      return { name, sql, checksum: migrationChecksum(sql) };
    }),
  );
}

// --- one migration session -------------------------------------------------------------------

interface SqlSession {
  rows<R>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Runs a multi-statement script (a migration file). */
  script(sql: string): Promise<void>;
}

interface MigrationConnection extends SqlSession {
  /** Runs `work` while no other migrator can touch the database. */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  transaction<T>(work: (tx: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

async function connectPostgres(databaseUrl: string, lockTimeoutMs: number): Promise<MigrationConnection> {
  // One dedicated session: advisory locks belong to the session that took them.
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const session: SqlSession = {
    rows: async <R>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[],
    script: async (sql) => {
      await client.query(sql); // no parameters -> simple protocol, several statements allowed
    },
  };
  return {
    ...session,
    async exclusive(work) {
      await client.query(`SET lock_timeout = ${Math.max(1, Math.round(lockTimeoutMs))}`);
      try {
        await client.query(`SELECT pg_advisory_lock(${PRISMA_ADVISORY_LOCK})`);
      } catch (e) {
        if ((e as { code?: string }).code === '55P03') {
          throw new Error(
            `timed out after ${lockTimeoutMs} ms waiting for the migration lock (pg_advisory_lock(${PRISMA_ADVISORY_LOCK})): another process is migrating this database`,
            { cause: e },
          );
        }
        throw e;
      }
      // Migration DDL must wait for locks held by running transactions, not time out.
      await client.query('RESET lock_timeout');
      try {
        return await work();
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${PRISMA_ADVISORY_LOCK})`);
      }
    },
    async transaction(work) {
      await client.query('BEGIN');
      try {
        const result = await work(session);
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK');
        throw e;
      }
    },
    close: () => client.end(),
  };
}

// --- deploy ---------------------------------------------------------------------------------

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

/**
 * Applies every migration of the folder that the database has not recorded yet, each in its
 * own transaction together with its `_prisma_migrations` row.
 */
export async function applyMigrations(target: MigrationTarget, options: ApplyMigrationsOptions = {}): Promise<ApplyMigrationsResult> {
  const warn = options.warn ?? ((m: string) => log.warn(m));
  const local = await readMigrations(options.migrationsDir);
  const connection = await connectPostgres(target.databaseUrl, options.lockTimeoutMs ?? 60_000);
  try {
    return await connection.exclusive(() => deploy(connection, local, warn));
  } finally {
    await connection.close();
  }
}

async function deploy(db: MigrationConnection, local: LocalMigration[], warn: (m: string) => void): Promise<ApplyMigrationsResult> {
  await refuseUnmanagedSchema(db);
  await db.script(MIGRATIONS_TABLE_DDL);
  const rows = await db.rows<MigrationRow>(`SELECT migration_name, checksum, finished_at, rolled_back_at, logs FROM "_prisma_migrations" ORDER BY started_at`);
  const live = rows.filter((r) => r.rolled_back_at === null);

  // Same rule as Prisma (P3009): a failed migration needs a human decision before anything else runs.
  const failed = live.filter((r) => r.finished_at === null);
  if (failed.length > 0) {
    const names = failed.map((r) => r.migration_name).join(', ');
    throw new Error(
      `the database has failed migrations: ${names} (${failed[0]!.logs?.split('\n')[0] ?? 'no log'}). ` +
        `Fix the database and the migration, then mark it rolled back: ` +
        `UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${failed[0]!.migration_name}' ` +
        `(or \`prisma migrate resolve --rolled-back ${failed[0]!.migration_name}\`)`,
    );
  }

  const recorded = new Map(live.map((r) => [r.migration_name, r.checksum]));
  const localNames = new Set(local.map((m) => m.name));
  const result: ApplyMigrationsResult = {
    applied: [],
    edited: local.filter((m) => recorded.has(m.name) && recorded.get(m.name) !== m.checksum).map((m) => m.name),
    missingLocally: [...recorded.keys()].filter((name) => !localNames.has(name)),
  };
  for (const name of result.edited) warn(`migration ${name} was edited after it was applied; the database may not match it`);
  if (result.missingLocally.length > 0) {
    warn(`migrations applied to the database but missing from the migrations folder: ${result.missingLocally.join(', ')}`);
  }

  for (const migration of local.filter((m) => !recorded.has(m.name))) {
    await applyOne(db, migration);
    result.applied.push(migration.name);
  }
  return result;
}

// Prisma refuses (P3005) to deploy into a schema that has tables but no migration history:
// applying "init" there would fail halfway or, worse, collide with someone else's tables.
async function refuseUnmanagedSchema(db: SqlSession): Promise<void> {
  const [state] = await db.rows<{ managed: boolean; tables: number }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS managed,
            (SELECT count(*)::int FROM information_schema.tables WHERE table_schema = current_schema()) AS tables`,
  );
  if (state && !state.managed && state.tables > 0) {
    throw new Error(
      `the database schema is not empty (${state.tables} tables) and has no _prisma_migrations table: ` +
        `point DATABASE_URL at an empty database, or baseline it with \`prisma migrate resolve --applied <migration>\``,
    );
  }
}

async function applyOne(db: MigrationConnection, migration: LocalMigration): Promise<void> {
  try {
    // Script and history row commit together: a crash can never leave a migration applied but
    // unrecorded (which would make the next start-up re-run it).
    await db.transaction(async (tx) => {
      await tx.script(migration.sql);
      await tx.rows(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
        [crypto.randomUUID(), migration.checksum, migration.name],
      );
    });
  } catch (e) {
    const message = (e as Error).message;
    // Recorded as Prisma records a failed migration, so every later start-up (and the native
    // CLI) stops on it instead of building on a half-understood schema.
    await db.rows(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, started_at, applied_steps_count)
       VALUES ($1, $2, $3, $4, now(), 0)`,
      [crypto.randomUUID(), migration.checksum, migration.name, message],
    );
    throw new Error(`migration ${migration.name} failed and was rolled back: ${message}`, { cause: e });
  }
}
