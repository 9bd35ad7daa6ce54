// Personal data on a fresh run: every payload and every failure the Temporal server stores is
// encrypted (read with a client that has no key), and decrypts with the key.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, METADATA_ENCODING_KEY } from '@temporalio/common';
import { EncryptionCodec } from '../../src/temporal/codec.ts';
import { employeeWorkflowId } from '../../workflows/employee-lifecycle.ts';
import { joinerWorkflowId } from '../../workflows/joiner.ts';
import { eventually, hireEvent, startHarness, storeToday, type ApiResponse, type Harness } from '../support/harness.ts';
import { failuresOf, isOnlyPatchData, isPatchMarkerData, isSearchAttribute, payloadsOf, readableText } from '../support/history-payloads.ts';
import { TEST_PAYLOAD_KEYS } from '../support/keys.ts';
import { simAdmin, type SimAdmin } from '../support/sim-admin.ts';

let h: Harness;
let sim: SimAdmin;
let raw: Client;
const STORE = 'S001';
const NAME = 'Zelda Quintessa-Privat';
const codec = new EncryptionCodec(TEST_PAYLOAD_KEYS.current);
const encoding = (p: { metadata?: Record<string, Uint8Array> | null }) => Buffer.from(p.metadata?.[METADATA_ENCODING_KEY] ?? []).toString();

beforeAll(async () => {
  h = await startHarness({
    tokens: new Map([
      ['tok-curator-1', { name: 'curator of S001', scopes: ['curator:S001'] }],
      ['tok-curator-2', { name: 'curator of S002', scopes: ['curator:S002'] }],
      ['tok-support', { name: 'support desk', scopes: ['support'] }],
      ['tok-pii', { name: 'data protection', scopes: ['pii', 'support'] }],
    ]),
  });
  sim = simAdmin(h.sims);
  // The histories as the server stores them: a client without the codec.
  raw = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }), namespace: h.namespace });
});
afterAll(async () => {
  await raw?.connection.close();
  await h?.close();
});

async function stage(employeeId: string, wanted: string, timeoutMs = 90_000) {
  return eventually(
    async () => {
      const res = await h.call('GET', `/employees/${employeeId}`);
      const e = res.status === 200 ? await res.json() : undefined;
      return e?.onboarding?.stage === wanted ? e : undefined;
    },
    `${employeeId} to reach stage ${wanted}`,
    timeoutMs,
  );
}

describe('a hire through an MDM outage leaves nothing readable in Temporal', () => {
  let employeeId: string;

  beforeAll(async () => {
    employeeId = h.newEmployeeId();
    const position = h.fleet.employees[0].position;
    // HR knows the name; the hire event carries it too (displayName).
    h.sims.hr.addEmployee(
      { employeeId, storeId: STORE, position, startDate: storeToday(h.fleet, STORE), status: 'HIRED' },
      { firstName: 'Zelda', lastName: 'Quintessa-Privat', birthDate: '1990-01-01', nationality: 'RU', documentType: 'PASSPORT', documentNumber: `DOC-${employeeId}` },
    );
    await sim.addDirectoryAccount(employeeId, 0);
    // Knox Manage down while the phone is enrolled: the enrolment activity fails and retries, so
    // the history records its failure ("knox-manage: ... HTTP 503").
    await sim.faults('knoxManage', { outage: { down: true } });
    try {
      expect((await h.sendHrEvent(hireEvent(employeeId, STORE, position, { displayName: NAME, startDate: storeToday(h.fleet, STORE) }))).status).toBe(202);
      await stage(employeeId, 'enrolling-device');
      await new Promise((r) => setTimeout(r, 2_000)); // a retry or two
    } finally {
      await sim.faults('knoxManage', null);
    }
    await stage(employeeId, 'awaiting-handover');
  }, 180_000);

  it('every payload of the lifecycle and joiner histories is encrypted and decrypts to a value', async () => {
    for (const id of [employeeWorkflowId(employeeId), joinerWorkflowId(employeeId)]) {
      const history = await raw.workflow.getHandle(id).fetchHistory();
      const payloads = payloadsOf(history).filter((p) => !isSearchAttribute(p.path));
      expect(payloads.length).toBeGreaterThan(0);
      for (const { path, payload } of payloads) {
        if (isPatchMarkerData(path)) {
          expect(isOnlyPatchData(defaultPayloadConverter.fromPayload(payload)), `${id} ${path}`).toBe(true);
          continue;
        }
        expect(encoding(payload), `${id} ${path}`).toBe('binary/encrypted');
        const [plain] = await codec.decode([payload]);
        expect(() => defaultPayloadConverter.fromPayload(plain), `${id} ${path}`).not.toThrow();
      }
      // The name is in the (encrypted) input, and nowhere readable: neither in a string field
      // nor in any stored bytes.
      const readable = readableText(history);
      expect(readable).not.toContain('Zelda');
      expect(readable).not.toContain('HTTP 503');
    }
  });

  it("a failed activity's message is not readable in history without the key, and is with it", async () => {
    const history = await raw.workflow.getHandle(joinerWorkflowId(employeeId)).fetchHistory();
    const failures = failuresOf(history);
    expect(failures.length).toBeGreaterThan(0);
    const messages: string[] = [];
    for (const { path, message, encodedAttributes } of failures) {
      expect(message, path).toBe('Encoded failure');
      expect(encodedAttributes, path).toBeDefined();
      expect(encoding(encodedAttributes!), path).toBe('binary/encrypted');
      const [plain] = await codec.decode([encodedAttributes!]);
      messages.push((defaultPayloadConverter.fromPayload(plain) as { message: string }).message);
    }
    expect(messages.some((m) => m.includes('knox-manage') && m.includes('HTTP 503'))).toBe(true);
  });
});

describe('no names stored: a curator sees the name fetched from HR', () => {
  let employeeId: string;
  const as = (token: string, path: string): Promise<ApiResponse> => fetch(`${h.api}${path}`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    employeeId = h.newEmployeeId();
    const position = h.fleet.employees[0].position;
    h.sims.hr.addEmployee(
      { employeeId, storeId: STORE, position, startDate: storeToday(h.fleet, STORE), status: 'HIRED' },
      { firstName: 'Yolanda', lastName: 'Verborgen', birthDate: '1990-01-01', nationality: 'RU', documentType: 'PASSPORT', documentNumber: `DOC-${employeeId}` },
    );
    await sim.addDirectoryAccount(employeeId, 0);
    expect((await h.sendHrEvent(hireEvent(employeeId, STORE, position, { displayName: 'Yolanda Verborgen', startDate: storeToday(h.fleet, STORE) }))).status).toBe(202);
    await stage(employeeId, 'awaiting-handover');
  }, 180_000);

  it('after a hire with a display name, no table of the database holds the name', async () => {
    const tables = await h.db.$queryRaw<
      { table_name: string }[]
    >`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`;
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['Notification', 'AuditLog', 'Employee', 'SupportTask']));
    for (const { table_name } of tables) {
      const rows = await h.db.$queryRawUnsafe<{ row: string }[]>(`SELECT t::text AS row FROM "${table_name.replace(/"/g, '""')}" t`);
      for (const name of ['Yolanda', 'Verborgen', 'Zelda', 'Quintessa']) {
        expect(
          rows.filter((r) => r.row.includes(name)).map((r) => r.row),
          `${table_name} holds ${name}`,
        ).toEqual([]);
      }
    }
    // The notice says whom it is about, by id.
    const notice = await h.db.notification.findFirstOrThrow({ where: { kind: 'phone-ready', employeeId } });
    expect(notice.message).toContain(employeeId);
  });

  it("the store's curator (or pii) gets the name from HR with ?include=names; nobody else does", async () => {
    const plain = await (await as('tok-support', `/stores/${STORE}/notifications`)).json();
    const notice = plain.notifications.find((n: { kind: string; employeeId: string }) => n.kind === 'phone-ready' && n.employeeId === employeeId);
    expect(notice).toBeDefined();
    expect(notice.employeeName).toBeUndefined();

    const before = await sim.identityReads(employeeId);
    const named = await (await as('tok-curator-1', `/stores/${STORE}/notifications?include=names`)).json();
    expect(named.notifications.find((n: { kind: string; employeeId: string }) => n.kind === 'phone-ready' && n.employeeId === employeeId).employeeName).toBe('Yolanda Verborgen');
    expect(await sim.identityReads(employeeId)).toBe(before + 1); // fetched from HR when shown
    const viewed = await h.db.auditLog.findFirstOrThrow({ where: { action: 'names.viewed', actor: 'api:curator of S001' }, orderBy: { id: 'desc' } });
    expect(JSON.stringify(viewed)).not.toContain('Yolanda');

    const dpo = await as('tok-pii', `/stores/${STORE}/notifications?include=names`);
    expect(dpo.status).toBe(200);
    const support = await as('tok-support', `/stores/${STORE}/notifications?include=names`);
    expect(support.status).toBe(403);
    expect((await support.json()).error).toBe(`names of store ${STORE}'s people need scope curator:${STORE} or pii`);
    expect((await as('tok-curator-2', `/stores/${STORE}/notifications?include=names`)).status).toBe(403);
  });
});
