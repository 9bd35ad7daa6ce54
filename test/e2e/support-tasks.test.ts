// Support's tasks over the HTTP API: filtered by status, store, kind and employee; closed with a
// resolution, once (the same close again is an answer, another is a conflict), audited, and
// only by the scopes that may.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
const SUPPORT = 'support-token-for-tasks';
const OPERATIONS = 'operations-token-for-tasks';

beforeAll(async () => {
  h = await startHarness({
    tokens: new Map([
      [SUPPORT, { name: 'store-support', scopes: ['support'] }],
      [OPERATIONS, { name: 'ops', scopes: ['operations'] }],
    ]),
  });
});
afterAll(async () => h?.close());

let seq = 0;
async function task(data: { storeId?: string; employeeId?: string; kind?: string } = {}) {
  return h.db.supportTask.create({
    data: { idempotencyKey: `support-tasks-test-${++seq}-${h.newEmployeeId()}`, storeId: 'S001', kind: 'phone-not-returned', summary: 'Collect the phone', ...data },
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const as = (token: string, method: string, path: string, body?: unknown): Promise<Omit<Response, 'json'> & { json(): Promise<any> }> =>
  fetch(`${h.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const ids = async (path: string) => ((await (await h.call('GET', path)).json()) as { tasks: { id: number }[] }).tasks.map((t) => t.id);

describe('support tasks', () => {
  it('filters by store, kind and employee together, newest first; status OPEN by default', async () => {
    const employeeId = h.newEmployeeId();
    const a = await task({ employeeId, kind: 'onboarding-failed' });
    const b = await task({ employeeId, kind: 'phone-not-returned' });
    const c = await task({ employeeId, kind: 'onboarding-failed', storeId: 'S002' });
    await task({ kind: 'onboarding-failed' }); // someone else's

    expect(await ids(`/support-tasks?employee=${employeeId}`)).toEqual([c.id, b.id, a.id]);
    expect(await ids(`/support-tasks?employee=${employeeId}&kind=onboarding-failed`)).toEqual([c.id, a.id]);
    expect(await ids(`/support-tasks?employee=${employeeId}&kind=onboarding-failed&store=S001`)).toEqual([a.id]);
    expect(await ids(`/support-tasks?employee=${employeeId}&storeId=S002`)).toEqual([c.id]); // the filter's former name
    expect(await ids(`/support-tasks?employee=${employeeId}&status=DONE`)).toEqual([]);
  });

  it('bad filters are 400 naming each; an unknown store is 404', async () => {
    const res = await h.call('GET', '/support-tasks?status=closed&store=S%20001&kind=Not%20A%20Kind&employee=%24%24');
    expect(res.status).toBe(400);
    expect((await res.json()).problems.map((p: { field: string }) => p.field)).toEqual(['query.status', 'query.store', 'query.kind', 'query.employee']);
    expect((await h.call('GET', '/support-tasks?store=S999')).status).toBe(404);
    expect((await h.call('GET', '/support-tasks?kind=a&kind=b')).status).toBe(400);
  });

  it('close records the resolution, who and when, once in the audit log; the same close again is 200, another 409', async () => {
    const t = await task({ employeeId: h.newEmployeeId() });
    const first = await as(SUPPORT, 'POST', `/support-tasks/${t.id}/close`, { resolution: '  phone collected at the store ' });
    expect(first.status).toBe(200);
    const { task: closed, alreadyClosed } = await first.json();
    expect(alreadyClosed).toBe(false);
    expect(closed).toMatchObject({ id: t.id, status: 'DONE', resolution: 'phone collected at the store', closedBy: 'api:store-support', closedAt: expect.any(String) });

    const again = await as(SUPPORT, 'POST', `/support-tasks/${t.id}/close`, { resolution: 'phone collected at the store' });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ task: closed, alreadyClosed: true });
    const other = await as(SUPPORT, 'POST', `/support-tasks/${t.id}/close`, { resolution: 'written off' });
    expect(other.status).toBe(409);
    expect((await other.json()).task.resolution).toBe('phone collected at the store');

    const audit = await h.db.auditLog.findMany({ where: { action: 'support-task.closed', employeeId: t.employeeId } });
    expect(audit).toEqual([
      expect.objectContaining({
        actor: 'api:store-support',
        storeId: 'S001',
        details: { supportTaskId: t.id, kind: 'phone-not-returned', resolution: 'phone collected at the store' },
      }),
    ]);
    expect(await ids(`/support-tasks?status=DONE&employee=${t.employeeId}`)).toEqual([t.id]);
    expect(await ids(`/support-tasks?employee=${t.employeeId}`)).toEqual([]);
  });

  it('two different closes at once: one wins, the other is told 409; one audit row', async () => {
    const t = await task({ employeeId: h.newEmployeeId() });
    const answers = await Promise.all(['wiped and restocked', 'written off'].map((resolution) => h.call('POST', `/support-tasks/${t.id}/close`, { resolution })));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await h.db.auditLog.count({ where: { action: 'support-task.closed', employeeId: t.employeeId } })).toBe(1);
  });

  it('bad closes are 400 naming the field and change nothing; an unknown task is 404; operations may list but not close', async () => {
    const t = await task({ employeeId: h.newEmployeeId() });
    for (const [body, field] of [
      [{}, 'resolution'],
      [{ resolution: '   ' }, 'resolution'],
      [{ resolution: 'x'.repeat(2001) }, 'resolution'],
      [{ resolution: 'ok', status: 'DONE' }, 'status'],
      [['ok'], 'body'],
    ] as const) {
      const res = await h.call('POST', `/support-tasks/${t.id}/close`, body);
      expect(res.status, JSON.stringify(body).slice(0, 50)).toBe(400);
      expect((await res.json()).problems.map((p: { field: string }) => p.field)).toContain(field);
    }
    expect((await h.call('POST', `/support-tasks/abc/close`, { resolution: 'ok' })).status).toBe(400);
    expect((await h.call('POST', `/support-tasks/999999999/close`, { resolution: 'ok' })).status).toBe(404);
    expect(await h.db.supportTask.findUniqueOrThrow({ where: { id: t.id } })).toMatchObject({ status: 'OPEN', resolution: null, closedAt: null, closedBy: null });

    expect((await as(OPERATIONS, 'GET', `/support-tasks?employee=${t.employeeId}`)).status).toBe(200);
    const denied = await as(OPERATIONS, 'POST', `/support-tasks/${t.id}/close`, { resolution: 'ok' });
    expect(denied.status).toBe(403);
    expect((await denied.json()).error).toContain('needs scope support');
  });
});
