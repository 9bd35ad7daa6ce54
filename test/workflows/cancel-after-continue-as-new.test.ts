// A phase that continued-as-new (the leaver does, waiting months for an offline phone) must still
// be cancellable by its parent: a cancellation scope names the child's FIRST run, which is closed
// by then, so the request never reaches the run that waits. What the lifecycle does on an
// interruption (scope.cancel() plus a cancel of the current run, workflows/employee-lifecycle.ts)
// is checked here on the real dev server against a child that rolled over once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { localServerOptions } from '../../src/temporal/server.ts';
import { cancelsRollingChild } from '../support/kit-workflows.ts';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal(localServerOptions());
});
afterAll(async () => env?.teardown());

describe('cancelling a child workflow', () => {
  it.each([
    ['a child that continued-as-new', 0],
    ['a child still in its first run', 1],
  ])('reaches %s', async (_what, startRuns) => {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'cancel-can',
      workflowsPath: new URL('../support/kit-workflows.ts', import.meta.url).pathname,
    });
    const result = await worker.runUntil(
      env.client.workflow.execute(cancelsRollingChild, {
        workflowId: `cancel-can-${startRuns}`,
        taskQueue: 'cancel-can',
        args: [startRuns],
        workflowExecutionTimeout: '60 seconds',
      }),
    );
    expect(result).toBe('cancelled');
  });
});
