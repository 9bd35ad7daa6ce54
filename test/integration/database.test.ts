// Both ways of running the database (a PostgreSQL server by URL, the embedded one), end to end: migrations as `prisma migrate deploy` records them, start-up
// safety (re-runs, concurrent processes, edited and failed migrations) and the Prisma client.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type Db } from '../../src/db/client.ts';
import { Prisma } from '../../src/db/generated/client.ts';
import { applyMigrations, MIGRATIONS_DIR, migrationChecksum, readMigrations } from '../../src/db/migrate.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database.ts';
import { createTestDatabase, TEST_SERVER_URL, type TestDatabase } from '../support/database.ts';

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  applied_steps_count: number;
  logs: string | null;
}

async function queryPostgres<R>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as R[];
  } finally {
    await client.end();
  }
}

const historyOf = (url: string) =>
  queryPostgres<MigrationRow>(url, `SELECT migration_name, checksum, finished_at, applied_steps_count, logs FROM "_prisma_migrations" ORDER BY started_at`);

/** A copy of prisma/migrations the test may edit or extend. */
async function copyOfMigrations(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'phonefleet-migrations-'));
  await fs.cp(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

async function expectCrudRoundTrip(prisma: Db): Promise<void> {
  await prisma.store.create({
    data: { id: 'S901', name: 'Riverside', timeZone: 'Europe/Moscow', uplinkMbps: 50, supportPhone: '+7 800 000-00-01' },
  });
  await prisma.device.create({
    data: {
      imei: '356938035643809',
      serial: 'R58N12ABCDE',
      model: 'SM-A546B',
      storeId: 'S901',
      leaseContract: 'LC-2026-001',
      warrantyUntil: new Date('2028-01-31'),
    },
  });
  const store = await prisma.store.findUniqueOrThrow({ where: { id: 'S901' }, include: { devices: true } });
  expect(store.mdmProvider).toBe('KNOX_MANAGE');
  expect(store.devices).toHaveLength(1);
  expect(store.devices[0]).toMatchObject({ imei: '356938035643809', state: 'IN_STOCK', employeeId: null });
  expect(store.devices[0]!.warrantyUntil.toISOString()).toBe('2028-01-31T00:00:00.000Z');

  const duplicateSerial = prisma.device.create({
    data: {
      imei: '356938035643817',
      serial: 'R58N12ABCDE',
      model: 'SM-A546B',
      storeId: 'S901',
      leaseContract: 'LC-2026-002',
      warrantyUntil: new Date('2028-01-31'),
    },
  });
  const error = await duplicateSerial.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Prisma.PrismaClientKnownRequestError);
  expect((error as Prisma.PrismaClientKnownRequestError).code).toBe('P2002');
  expect(JSON.stringify((error as Prisma.PrismaClientKnownRequestError).meta)).toContain('serial');
  expect(await prisma.device.count()).toBe(1);
}

describe('migrations on PostgreSQL', { timeout: 30_000 }, () => {
  const scratches: ScratchDatabase[] = [];
  const tempDirs: string[] = [];
  const freshDatabase = async () => {
    const scratch = await createScratchDatabase(TEST_SERVER_URL, 'phonefleet_test');
    scratches.push(scratch);
    return scratch.url;
  };
  const migrationsCopy = async () => {
    const dir = await copyOfMigrations();
    tempDirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(scratches.map((s) => s.drop()));
    await Promise.all(tempDirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  });

  it('applies every migration to a fresh database and records it as prisma migrate deploy does', async () => {
    const url = await freshDatabase();
    const local = await readMigrations();
    expect(local.length).toBeGreaterThan(0);

    const result = await applyMigrations({ databaseUrl: url });
    expect(result).toEqual({ applied: local.map((m) => m.name), edited: [], missingLocally: [] });

    const history = await historyOf(url);
    expect(history.map((r) => r.migration_name)).toEqual(local.map((m) => m.name));
    for (const [i, row] of history.entries()) {
      const file = await fs.readFile(path.join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(migrationChecksum(file.toString('utf8')));
      expect(row.checksum).toBe(local[i]!.checksum);
      expect(row.applied_steps_count).toBe(1);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.logs).toBeNull();
    }
    const tables = await queryPostgres<{ table_name: string }>(url, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['Store', 'Employee', 'Device', 'Sim', 'Role', 'App', 'AuditLog']));

    // every start-up calls it again
    expect(await applyMigrations({ databaseUrl: url })).toEqual({ applied: [], edited: [], missingLocally: [] });
    expect(await historyOf(url)).toEqual(history);
  });

  it('applies each migration once when several processes start together', async () => {
    const url = await freshDatabase();
    const results = await Promise.all(Array.from({ length: 5 }, () => applyMigrations({ databaseUrl: url })));
    const local = await readMigrations();
    expect(results.flatMap((r) => r.applied).sort()).toEqual(local.map((m) => m.name).sort());
    expect(results.filter((r) => r.applied.length > 0)).toHaveLength(1);
    expect((await historyOf(url)).length).toBe(local.length);
  });

  it('reports a migration edited after it was applied', async () => {
    const url = await freshDatabase();
    const dir = await migrationsCopy();
    await applyMigrations({ databaseUrl: url }, { migrationsDir: dir });
    const [first] = await readMigrations(dir);
    await fs.appendFile(path.join(dir, first!.name, 'migration.sql'), '\n-- tweaked after deploy\n');

    const warnings: string[] = [];
    const result = await applyMigrations({ databaseUrl: url }, { migrationsDir: dir, warn: (m) => warnings.push(m) });
    expect(result.applied).toEqual([]);
    expect(result.edited).toEqual([first!.name]);
    expect(warnings).toEqual([expect.stringContaining(`${first!.name} was edited`)]);
  });

  it('rolls a failing migration back, records it, and refuses to go on until it is resolved', async () => {
    const url = await freshDatabase();
    const dir = await migrationsCopy();
    const broken = '29991231000000_broken';
    await fs.mkdir(path.join(dir, broken));
    await fs.writeFile(path.join(dir, broken, 'migration.sql'), 'CREATE TABLE "HalfDone" ("id" INTEGER);\nALTER TABLE "NoSuchTable" ADD COLUMN "x" INTEGER;\n');

    await expect(applyMigrations({ databaseUrl: url }, { migrationsDir: dir })).rejects.toThrow(
      /migration 29991231000000_broken failed and was rolled back: relation "NoSuchTable" does not exist/,
    );
    const history = await historyOf(url);
    expect(history.find((r) => r.migration_name === broken)).toMatchObject({ finished_at: null, applied_steps_count: 0 });
    expect(history.find((r) => r.migration_name === broken)?.logs).toContain('NoSuchTable');
    expect(await queryPostgres(url, `SELECT to_regclass('"HalfDone"') AS t`)).toEqual([{ t: null }]);

    await expect(applyMigrations({ databaseUrl: url }, { migrationsDir: dir })).rejects.toThrow(/the database has failed migrations: 29991231000000_broken .*rolled_back_at/);

    // once resolved as Prisma documents it, the fixed migration goes through
    await queryPostgres(url, `UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = '${broken}'`);
    await fs.writeFile(path.join(dir, broken, 'migration.sql'), 'CREATE TABLE "HalfDone" ("id" INTEGER);\n');
    expect((await applyMigrations({ databaseUrl: url }, { migrationsDir: dir })).applied).toEqual([broken]);
  });

  it('refuses a database that already has tables but no migration history', async () => {
    const url = await freshDatabase();
    await queryPostgres(url, 'CREATE TABLE "somebody_elses" ("id" INTEGER)');
    await expect(applyMigrations({ databaseUrl: url })).rejects.toThrow(/schema is not empty \(1 tables\)/);
  });
});

describe('PostgreSQL runtime', { timeout: 30_000 }, () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase();
  });
  afterAll(async () => {
    await test?.drop();
  });

  it('opens a migrated database and round-trips rows through the Prisma client', async () => {
    expect(test.db.kind).toBe('postgresql');
    expect(test.db.migrations.applied).toEqual((await readMigrations()).map((m) => m.name));
    await expectCrudRoundTrip(test.db.prisma);
  });

  it('drops the test database', async () => {
    const other = await createTestDatabase();
    const name = new URL(other.url).pathname.slice(1);
    await other.drop();
    const found = await queryPostgres(TEST_SERVER_URL, `SELECT 1 FROM pg_database WHERE datname = '${name}'`);
    expect(found).toEqual([]);
  });
});

describe('embedded PostgreSQL server', { timeout: 120_000 }, () => {
  let root: string;
  let dataDir: string;
  let db: Database;
  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'phonefleet-embedded-'));
    await fs.chmod(root, 0o755); // as root the server runs as `postgres`, who must enter the folder
    dataDir = path.join(root, 'nested', 'postgres'); // parents do not exist yet
    db = await openDatabase({ dataDir });
  });
  afterAll(async () => {
    await db?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  const postmasterPid = async () => Number((await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  /** Alive and not a zombie (an orphan that exited stays one until whoever adopted it reaps it). */
  const running = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
    } catch {
      return false;
    }
  };

  it('is a real PostgreSQL server in the data folder, migrated with Prisma checksums', async () => {
    expect(db.kind).toBe('embedded');
    expect(await fs.readFile(path.join(dataDir, 'PG_VERSION'), 'utf8')).toMatch(/^\d+\n$/);
    expect(running(await postmasterPid())).toBe(true);
    const local = await readMigrations();
    expect(db.migrations.applied).toEqual(local.map((m) => m.name));
    const rows = await db.prisma.$queryRaw<MigrationRow[]>`
      SELECT migration_name, checksum, finished_at, applied_steps_count, logs FROM "_prisma_migrations" ORDER BY started_at`;
    expect(rows.map((r) => [r.migration_name, r.checksum, r.applied_steps_count])).toEqual(local.map((m) => [m.name, m.checksum, 1]));
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
  });

  it('round-trips rows through the Prisma client', async () => {
    await expectCrudRoundTrip(db.prisma);
  });

  it('refuses a second opener of the same folder', async () => {
    await expect(openDatabase({ dataDir })).rejects.toThrow(/is in use by process \d+/);
  });

  it('stops its server on close, reopens with the data kept, applies nothing, and keeps process.exitCode', async () => {
    const pid = await postmasterPid();
    await db.close();
    expect(running(pid)).toBe(false);
    process.exitCode = 3;
    try {
      db = await openDatabase({ dataDir });
      expect(db.migrations).toEqual({ applied: [], edited: [], missingLocally: [] });
      expect(await db.prisma.device.findUnique({ where: { imei: '356938035643809' } })).toMatchObject({ serial: 'R58N12ABCDE' });
      const reopened = db;
      await reopened.close();
      expect(process.exitCode).toBe(3);
      db = await openDatabase({ dataDir });
    } finally {
      process.exitCode = undefined;
    }
  });

  it('takes over after a kill: a stale postmaster.pid naming another live process', async () => {
    await db.close();
    // PostgreSQL alone refuses to start while the pid in its lock file is alive (pid 1 always is).
    await fs.writeFile(path.join(dataDir, 'postmaster.pid'), `1\n${dataDir}\n`);
    db = await openDatabase({ dataDir });
    expect(await db.prisma.device.count({ where: { imei: '356938035643809' } })).toBe(1);
  });

  it('takes over after a kill: the server of a killed phonefleet still running on the folder', async () => {
    await db.close();
    // A phonefleet process that opens the database and is then killed (SIGKILL: no clean-up),
    // leaving its server orphaned, still holding the folder.
    const opener = `const { openDatabase } = await import(${JSON.stringify(path.resolve('src/db/client.ts'))});
      await openDatabase({ dataDir: ${JSON.stringify(dataDir)} });
      process.kill(process.pid, 'SIGKILL');`;
    const killed = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', opener], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    killed.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await new Promise((resolve) => killed.once('exit', (_code, signal) => resolve(signal))), stderr).toBe('SIGKILL');
    const orphan = await postmasterPid();
    expect(running(orphan)).toBe(true);

    db = await openDatabase({ dataDir });
    expect(running(orphan)).toBe(false);
    expect(await postmasterPid()).not.toBe(orphan);
    expect(await db.prisma.device.count({ where: { imei: '356938035643809' } })).toBe(1);
  });
});
