// A fresh, migrated PostgreSQL database per test suite, dropped afterwards, so suites never see
// each other's rows and can run in parallel against the one local server.
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { createScratchDatabase } from '../../src/db/scratch-database.ts';
import type { Prisma } from '../../src/db/generated/client.ts';
import { seedReferenceData } from '../../src/db/seed.ts';

/**
 * The server the test databases are created on (its own database is only used to connect): the
 * one global setup found at DATABASE_URL / 127.0.0.1:5432, or the embedded one it started.
 */
export const TEST_SERVER_URL = inject('databaseServerUrl');

export interface TestDatabase {
  url: string;
  db: Database;
  /** Closes the client and drops the database. */
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const scratch = await createScratchDatabase(TEST_SERVER_URL, 'phonefleet_test');
  try {
    const db = await openDatabase({ databaseUrl: scratch.url });
    return {
      url: scratch.url,
      db,
      async drop() {
        await db.close();
        await scratch.drop();
      },
    };
  } catch (e) {
    await scratch.drop();
    throw e;
  }
}

/** A test database with phonefleet's reference data (roles, apps) and these stores. */
export async function createStoresDatabase(stores: Prisma.StoreCreateManyInput[]): Promise<TestDatabase> {
  const test = await createTestDatabase();
  await seedReferenceData(test.db.prisma);
  await test.db.prisma.store.createMany({ data: stores });
  return test;
}
