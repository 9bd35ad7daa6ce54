// One real Temporal dev server for the whole test run (each suite uses its own task queue and
// its own employee ids on it), and one PostgreSQL server the suites create their databases on:
// the one at DATABASE_URL (default 127.0.0.1:5432), or, when nothing answers there, an
// embedded PostgreSQL started here, so `npm install && npm test` needs no database server.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { startDevServer } from '../../src/temporal/server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    databaseServerUrl: string;
  }
}

const CONFIGURED_SERVER_URL = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';

/** True when a PostgreSQL server accepts connections there; false when nothing listens. */
async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Anything else (a wrong password, a missing database) is a configuration to fix, not absent.
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || /timeout/i.test(String((e as Error).message))) return false;
    throw e;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function databaseServer(): Promise<{ url: string; stop(): Promise<void> }> {
  if (await answers(CONFIGURED_SERVER_URL)) return { url: CONFIGURED_SERVER_URL, stop: async () => undefined };
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'phonefleet-test-postgres-'));
  await fs.chmod(root, 0o755); // as root the server runs as `postgres`, who must enter the folder
  const server = await startEmbeddedPostgres({ dataDir: path.join(root, 'postgres') });
  console.log(`test run: nothing answers at ${new URL(CONFIGURED_SERVER_URL).host}: using an embedded PostgreSQL on port ${server.port}`);
  return {
    url: server.url,
    async stop() {
      await server.stop();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

export default async function setup(project: TestProject) {
  const [server, database] = await Promise.all([startDevServer({ headless: true }), databaseServer()]);
  project.provide('temporalAddress', server.address);
  project.provide('databaseServerUrl', database.url);
  // The suites (forked after this) and the processes they spawn read it from the environment.
  process.env.DATABASE_URL = database.url;
  return async () => {
    await server.stop();
    await database.stop();
  };
}
