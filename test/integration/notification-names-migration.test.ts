// The migration that took names out of stored notices: a database with "phone ready" notices
// from before (naming the new hire) holds no name after it, and each notice names the employee.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS_DIR } from '../../src/db/migrate.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database.ts';
import { TEST_SERVER_URL } from '../support/database.ts';

const MIGRATION = '20261201191710_notification_employee';
let scratch: ScratchDatabase | undefined;
let before: string | undefined;
afterAll(async () => {
  await scratch?.drop();
  if (before) await fs.rm(before, { recursive: true, force: true });
});

async function sql<R = unknown>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as R[];
  } finally {
    await client.end();
  }
}

describe(`migration ${MIGRATION}`, () => {
  it('strips the names from notices stored before it and records whom each is about', async () => {
    scratch = await createScratchDatabase(TEST_SERVER_URL, 'pf_names');
    // The migrations before this one, as a database that ran the old code has them.
    before = await fs.mkdtemp(path.join(os.tmpdir(), 'pf-migrations-'));
    for (const name of (await fs.readdir(MIGRATIONS_DIR)).filter((n) => n < MIGRATION)) await fs.cp(path.join(MIGRATIONS_DIR, name), path.join(before, name), { recursive: true });
    await applyMigrations({ databaseUrl: scratch.url }, { migrationsDir: before });

    await sql(scratch.url, `INSERT INTO "Store" (id, name, "timeZone", "uplinkMbps", "supportPhone") VALUES ('S001', 'Store 1', 'UTC', 10, '+100')`);
    const old = [
      ['k1', 'phone-ready', 'Phone 359000170000005 for Anna (Ann) Example (E000123, starts 2026-12-01) is ready. Hand it over and confirm in phonefleet.'],
      ['k2', 'phone-ready', 'Phone 359000170000013 for new employee (E000124, starts 2026-12-02) is ready. Hand it over and confirm in phonefleet.'],
      ['k3', 'out-of-stock', 'No device in stock for new employee E000125 (starts 2026-12-03). Register the delivery in phonefleet and the phone will be prepared at once.'],
    ];
    for (const [key, kind, message] of old) {
      await sql(scratch.url, `INSERT INTO "Notification" ("idempotencyKey", "storeId", recipient, kind, message) VALUES ($1, 'S001', 'curator', $2, $3)`, [key, kind, message]);
    }

    expect((await applyMigrations({ databaseUrl: scratch.url })).applied).toContain(MIGRATION);
    const rows = await sql<{ idempotencyKey: string; employeeId: string | null; message: string }>(
      scratch.url,
      `SELECT "idempotencyKey", "employeeId", message FROM "Notification" ORDER BY "idempotencyKey"`,
    );
    expect(rows).toEqual([
      {
        idempotencyKey: 'k1',
        employeeId: 'E000123',
        message: 'Phone 359000170000005 for new employee E000123 (starts 2026-12-01) is ready. Hand it over and confirm in phonefleet.',
      },
      {
        idempotencyKey: 'k2',
        employeeId: 'E000124',
        message: 'Phone 359000170000013 for new employee E000124 (starts 2026-12-02) is ready. Hand it over and confirm in phonefleet.',
      },
      { idempotencyKey: 'k3', employeeId: null, message: old[2][2] },
    ]);
  });
});
