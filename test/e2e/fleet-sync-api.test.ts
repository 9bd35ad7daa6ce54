// Starting and following a fleet sync through the API: bad input is a 400 naming the field (and
// starts nothing), the idempotency key names the run (again: the same run; with another body:
// 409), an unknown run is 404, and the run's id leads to its progress.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { fleetSyncWorkflowId } from '../../workflows/fleet-sync-contract.ts';
import { startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
const run = randomBytes(3).toString('hex');

beforeAll(async () => {
  h = await startHarness({ tokens: new Map([['hr-token-sync', { name: 'hr-system', scopes: ['hr'] }]]) });
});
afterAll(async () => h?.close());

const fields = async (res: Response) => ((await res.json()) as { problems?: { field: string }[] }).problems?.map((p) => p.field) ?? [];

describe('POST /fleet-syncs, GET /fleet-syncs/{id}', () => {
  it('bad input is a 400 naming the field, and starts nothing', async () => {
    const cases: [unknown, string][] = [
      [{}, 'idempotencyKey'],
      [{ idempotencyKey: '' }, 'idempotencyKey'],
      [{ idempotencyKey: 'has spaces in it' }, 'idempotencyKey'],
      [{ idempotencyKey: `bad-dry-${run}`, dryRun: 'yes' }, 'dryRun'],
      [{ idempotencyKey: `bad-extra-${run}`, force: true }, 'force'],
    ];
    for (const [body, field] of cases) {
      const res = await h.call('POST', '/fleet-syncs', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await fields(res)).toContain(field);
    }
    for (const key of [`bad-dry-${run}`, `bad-extra-${run}`]) {
      await expect(h.client.workflow.getHandle(fleetSyncWorkflowId(key)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    }
    const badId = await h.call('GET', '/fleet-syncs/not a run');
    expect(badId.status).toBe(400);
    expect(await fields(badId)).toContain('id');
    expect((await h.call('GET', `/fleet-syncs/sync-never-${run}`)).status).toBe(404);
  });

  it('the key names the run: 202 with its id, the same again, 409 with another dryRun; the id gives its progress', async () => {
    const key = `api-${run}`;
    const first = await h.call('POST', '/fleet-syncs', { idempotencyKey: key, dryRun: true });
    expect(first.status).toBe(202);
    const { id } = await first.json();
    expect(id).toBe(fleetSyncWorkflowId(key));
    const again = await h.call('POST', '/fleet-syncs', { idempotencyKey: key, dryRun: true });
    expect(again.status).toBe(202);
    expect((await again.json()).id).toBe(id);
    const conflict = await h.call('POST', '/fleet-syncs', { idempotencyKey: key, dryRun: false });
    expect(conflict.status).toBe(409);
    expect((await conflict.json()).id).toBe(id);
    const progress = await h.call('GET', `/fleet-syncs/${id}`);
    expect(progress.status).toBe(200);
    expect(await progress.json()).toMatchObject({ id, dryRun: true, passes: expect.any(Array) });
    // One workflow for the three requests.
    const runs = [];
    for await (const w of h.client.workflow.list({ query: `WorkflowId = '${id}'` })) runs.push(w);
    expect(runs).toHaveLength(1);
  });

  it('a token without the support or operations scope may not start one', async () => {
    const res = await fetch(`${h.api}/fleet-syncs`, {
      method: 'POST',
      headers: { authorization: 'Bearer hr-token-sync', 'content-type': 'application/json' },
      body: JSON.stringify({ idempotencyKey: `scope-${run}` }),
    });
    expect(res.status).toBe(403);
  });
});
