// The fleet sync at start-up, as `npm start` runs it (its own dev server: Schedules need a real
// server, not the time-skipping one): the demo's stores and people reach the database through
// the sync (not written directly), the daily Schedule exists at the configured time, and
// triggering it runs a sync to the end.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { connectClient } from '../../src/temporal/connection.ts';
import { freePort, freePorts } from '../support/ports.ts';
import { loadConfig } from '../../src/config.ts';
import { assemble, demoSyncIds, type Running } from '../../src/assemble.ts';
import { createLogger } from '../../src/observability/log.ts';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { DEMO_FLEET, generateFleet } from '../../src/systems/fleet.ts';
import { SIMULATOR_NAMES } from '../../src/systems/index.ts';
import { FLEET_SYNC_WORKFLOW_TYPE, ensureFleetSyncSchedule, scheduledSyncWorkflowId, fleetSyncScheduleId, syncRunRowId } from '../../workflows/fleet-sync-contract.ts';
import { eventually } from '../support/harness.ts';
import { TEST_SERVER_URL } from '../support/database.ts';
import { createScratchDatabase } from '../../src/db/scratch-database.ts';
import { STORE_SETTINGS_TASK } from '../../src/inventory/fleet-sync.ts';

/** Environment variables that would point phonefleet at real systems or fix its settings. */
const CONFIGURATION =
  /^(DATABASE_URL|TEMPORAL_(ADDRESS|NAMESPACE|TASK_QUEUE)|API_|PHONEFLEET_|POLICY_|HR_|PAYLOAD_|CODEC_|FLEET_SYNC_|(KNOX_MANAGE|SECOND_MDM|OPERATOR|DIRECTORY|SIM)_)/;

let running: Running | undefined;
let client: Client;
let database: Database;
let dropDatabase: () => Promise<void>;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-sync-start-'));
fs.chmodSync(dataDir, 0o755);
const fleet = generateFleet(DEMO_FLEET);

beforeAll(async () => {
  const scratch = await createScratchDatabase(TEST_SERVER_URL, 'phonefleet_sync_start');
  dropDatabase = scratch.drop;
  const temporalPort = await freePort();
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !CONFIGURATION.test(name))),
    PHONEFLEET_DATA_DIR: dataDir,
    DATABASE_URL: scratch.url,
    API_PORT: String(await freePort()),
    TEMPORAL_DEV_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(await freePort()),
    SIM_BASE_PORT: String(await freePorts(SIMULATOR_NAMES.length)),
    FLEET_SYNC_SCHEDULE: '20 4 * * *',
    WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
  };
  const config = loadConfig(env);
  running = await assemble(config, env, createLogger({ level: 'silent' }));
  // With the payload key: the Schedule's action holds the (encrypted) input.
  ({ client } = await connectClient({ address: running.temporalAddress, namespace: 'default', keys: config.payloadKeys }));
  database = await openDatabase({ databaseUrl: scratch.url });
}, 240_000);

afterAll(async () => {
  await client?.connection.close();
  await database?.close();
  await running?.stop();
  await dropDatabase?.();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('fleet sync at start-up', () => {
  it("the demo's stores and people come into the database through the sync, not written directly", async () => {
    const hrPass = await database.prisma.syncRun.findUniqueOrThrow({ where: { id: syncRunRowId(demoSyncIds('phonefleet').hr, 'hr-employees') } });
    expect(hrPass.finishedAt).not.toBeNull();
    expect(hrPass.counts).toMatchObject({ created: fleet.employees.length });
    expect(await database.prisma.store.count()).toBe(fleet.stores.length);
    expect(await database.prisma.auditLog.count({ where: { action: 'employee.recorded-from-hr' } })).toBe(fleet.employees.length);
    expect(await database.prisma.employee.count({ where: { hrSyncedAt: null } })).toBe(0);
    // The settings HR does not know, and the stock, are there too.
    for (const s of fleet.stores)
      expect(await database.prisma.store.findUniqueOrThrow({ where: { id: s.id } })).toMatchObject({ mdmProvider: s.mdmProvider, supportPhone: s.supportPhone });
    expect(await database.prisma.device.count()).toBe(fleet.devices.length);
    // The sync asked operations for each new store's settings; written, the asks are closed.
    expect(await database.prisma.supportTask.groupBy({ by: ['status'], where: { kind: STORE_SETTINGS_TASK }, _count: true })).toEqual([
      { status: 'DONE', _count: fleet.stores.length },
    ]);
    // The first full sync runs (or ran) after it.
    await expect(client.workflow.getHandle(demoSyncIds('phonefleet').full).describe()).resolves.toMatchObject({ type: FLEET_SYNC_WORKFLOW_TYPE });
  });

  it('the daily Schedule exists at the configured time, and a trigger runs a sync to the end', async () => {
    const schedule = client.schedule.getHandle(fleetSyncScheduleId('phonefleet'));
    const described = await schedule.describe();
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: FLEET_SYNC_WORKFLOW_TYPE, taskQueue: 'phonefleet' });
    expect(JSON.stringify(described.spec)).toMatch(/"hour":\[?\{?"start":4|"hour":4/);
    // At the next start with another time, the same Schedule moves to it.
    await ensureFleetSyncSchedule(client, 'phonefleet', '45 5 * * *');
    expect(JSON.stringify((await schedule.describe()).spec)).toMatch(/"hour":\[?\{?"start":5|"hour":5/);
    // One sync at a time on this small demo: the first full one first.
    await client.workflow.getHandle(demoSyncIds('phonefleet').full).result();
    await schedule.trigger();
    const started = await eventually(async () => {
      for await (const w of client.workflow.list({ query: `WorkflowType = '${FLEET_SYNC_WORKFLOW_TYPE}' AND WorkflowId STARTS_WITH '${scheduledSyncWorkflowId('phonefleet')}'` }))
        return w;
      return undefined;
    }, 'the scheduled sync started');
    await client.workflow.getHandle(started.workflowId).result();
    const passes = await database.prisma.syncRun.findMany({ where: { id: { startsWith: `${started.workflowId}:` } } });
    expect(passes.map((p) => p.source).sort()).toEqual(['hr-employees', 'hr-stores', 'mdm-KNOX_MANAGE', 'mdm-SECOND_MDM', 'operator']);
    expect(passes.every((p) => p.finishedAt !== null && p.trigger === 'schedule')).toBe(true);
  }, 240_000);
});
