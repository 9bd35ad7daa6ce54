// The task queues by kind, as `npm start` assembles them: one worker per queue (lifecycle,
// `<q>-mdm`, `<q>-bulk`), each with its own options. Proved on the test run's Temporal server:
// which queues are polled and by whom (DescribeTaskQueue), the MDM queue's server-side rate, and
// an activity scheduled on the MDM queue being run there.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/observability/log.ts';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { assemble, type Running } from '../../src/assemble.ts';
import { loadConfig } from '../../src/config.ts';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database.ts';
import { connectClient, dataConverter, FAILURE_CONVERTER_PATH } from '../../src/temporal/connection.ts';
import { taskQueueOf } from '../../src/worker/worker.ts';
import { TEST_SERVER_URL } from '../support/database.ts';
import { TEST_PAYLOAD_KEYS } from '../support/keys.ts';

const { TaskQueueType } = temporal.api.enums.v1;

let running: Running;
let scratch: ScratchDatabase;
let dataDir: string;
const queue = `queues-${randomBytes(3).toString('hex')}`;
const address = inject('temporalAddress');

beforeAll(async () => {
  scratch = await createScratchDatabase(TEST_SERVER_URL, 'phonefleet_test');
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-queues-'));
  // The demo as `npm start` runs it, on the test run's Temporal and a fresh database.
  const env = {
    TEMPORAL_ADDRESS: address,
    DATABASE_URL: scratch.url,
    TEMPORAL_TASK_QUEUE: queue,
    PHONEFLEET_DEMO: '1',
    PHONEFLEET_DATA_DIR: dataDir,
    // The test key (as test/support/keys.ts), so this client reads what the workers write.
    PAYLOAD_KEY: 'cGhvbmVmbGVldC10ZXN0LWtleS1ub3QtYS1zZWNyZXQ=',
    API_PORT: '0',
    SIM_BASE_PORT: '0',
  };
  running = await assemble(loadConfig(env), env, createLogger({ level: 'silent' }));
}, 120_000);

afterAll(async () => {
  await running?.stop();
  await scratch?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function pollers(taskQueue: string, type: temporal.api.enums.v1.TaskQueueType) {
  const { connection } = await connectClient({ address, namespace: 'default', keys: TEST_PAYLOAD_KEYS });
  try {
    // A poller shows up once its first poll reached the server.
    for (;;) {
      const answer = await connection.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType: type });
      if ((answer.pollers ?? []).length > 0 || type === TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW) return answer.pollers ?? [];
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await connection.close();
  }
}

describe('task queues by kind', () => {
  it('npm start polls all three queues: workflows on the lifecycle queue only, activities on all three', async () => {
    for (const kind of ['lifecycle', 'mdm', 'bulk'] as const) {
      expect((await pollers(taskQueueOf(queue, kind), TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)).length, `${kind} activity pollers`).toBeGreaterThan(0);
    }
    expect((await pollers(queue, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)).length).toBeGreaterThan(0);
    // The MDM and bulk workers run activities only: every workflow stays on the lifecycle queue
    // (one workflow isolate per process).
    expect(await pollers(`${queue}-mdm`, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)).toEqual([]);
    expect(await pollers(`${queue}-bulk`, TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)).toEqual([]);
  });

  it("paces the MDM queue server-side to Knox Manage's device-command budget (300 a minute: 5 a second); the others not at all", async () => {
    const [mdm] = await pollers(`${queue}-mdm`, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY);
    expect(mdm!.ratePerSecond).toBe(5);
    expect(running.workers!.byKind.mdm.options.maxTaskQueueActivitiesPerSecond).toBe(5);
    expect(running.workers!.byKind.lifecycle.options.maxTaskQueueActivitiesPerSecond).toBeUndefined();
    expect(running.workers!.byKind.bulk.options.maxTaskQueueActivitiesPerSecond).toBeUndefined();
    // Bulk jobs keep to a trickle: two activities at a time.
    const slots = running.workers!.byKind.bulk.options.tuner.activityTaskSlotSupplier;
    expect(slots.type === 'fixed-size' ? slots.numSlots : slots.type).toBe(2);
  });

  it('an activity scheduled on the MDM queue is run by the MDM worker: the lock reaches the MDM', async () => {
    const sims = running.simulators!;
    const { phone, mdm } = (() => {
      for (const mdm of Object.values(sims.mdm)) {
        const phone = mdm.devices.listEnrolled()[0];
        if (phone) return { phone, mdm };
      }
      throw new Error('the demo fleet has no phone in an MDM');
    })();
    // A workflow on a queue of its own, so that only the MDM worker can serve its activity.
    const probeQueue = `${queue}-probe`;
    const connection = await NativeConnection.connect({ address });
    const probe = await Worker.create({
      connection,
      taskQueue: probeQueue,
      // Payloads encrypted as the workers' are.
      dataConverter: dataConverter(TEST_PAYLOAD_KEYS),
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: path.join(import.meta.dirname, '../support/queue-workflows.ts'),
        failureConverterPath: FAILURE_CONVERTER_PATH,
        logger: quietLogger,
      }),
    });
    const { client, connection: clientConnection } = await connectClient({ address, namespace: 'default', keys: TEST_PAYLOAD_KEYS });
    try {
      const result = await probe.runUntil(
        client.workflow.execute('callActivityOn', {
          taskQueue: probeQueue,
          workflowId: `probe-${randomBytes(4).toString('hex')}`,
          args: [`${queue}-mdm`, 'lockPhone', [{ idempotencyKey: `probe-${randomBytes(4).toString('hex')}`, imei: phone.imei }]],
        }),
      );
      expect(result).toEqual({ commandId: expect.any(String) });
      expect(mdm.devices.byImei(phone.imei)!.commands.map((c) => c.type)).toContain('LOCK');
    } finally {
      await clientConnection.close();
      await connection.close();
    }
  }, 60_000);
});

const quiet = () => {};
const quietLogger = { trace: quiet, debug: quiet, info: quiet, warn: console.warn, error: console.error, log: quiet };
