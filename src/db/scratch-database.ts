// Throw-away databases on a PostgreSQL server: the shadow and dev databases of
// `db:migration:create`, and one fresh database per integration test.
import crypto from 'node:crypto';
import pg from 'pg';

export interface ScratchDatabase {
  name: string;
  /** The server URL with the database swapped for the scratch one (query options kept). */
  url: string;
  /** Drops it, disconnecting whoever is still connected. */
  drop(): Promise<void>;
}

/** Creates `<prefix>_<random>` on the server of `serverUrl` (whose own database is only used to connect). */
export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${crypto.randomUUID().replaceAll('-', '')}`.slice(0, 63); // PostgreSQL's identifier limit
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: url.toString(),
    async drop() {
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
