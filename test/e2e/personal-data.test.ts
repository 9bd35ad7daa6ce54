// Personal data on a fresh run: every payload and every failure the Temporal server stores is
// encrypted (read with a client that has no key), and decrypts with the key.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, METADATA_ENCODING_KEY } from '@temporalio/common';
import { EncryptionCodec } from '../../src/temporal/codec.ts';
import { employeeWorkflowId } from '../../workflows/employee-lifecycle.ts';
import { joinerWorkflowId } from '../../workflows/joiner.ts';
import { eventually, hireEvent, startHarness, storeToday, type Harness } from '../support/harness.ts';
import { failuresOf, isOnlyPatchData, isPatchMarkerData, isSearchAttribute, payloadsOf } from '../support/history-payloads.ts';
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
  h = await startHarness();
  sim = simAdmin(h.sims);
  // The histories as the server stores them: a client without the codec.
  raw = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
});
afterAll(async () => {
  await raw?.connection.close();
  await h?.close();
});

async function stage(employeeId: string, wanted: string, timeoutMs = 90_000) {
  return eventually(async () => {
    const res = await h.call('GET', `/employees/${employeeId}`);
    const e = res.status === 200 ? await res.json() : undefined;
    return e?.onboarding?.stage === wanted ? e : undefined;
  }, `${employeeId} to reach stage ${wanted}`, timeoutMs);
}

describe('a hire through an MDM outage leaves nothing readable in Temporal', () => {
  let employeeId: string;

  beforeAll(async () => {
    employeeId = h.newEmployeeId();
    const position = h.fleet.employees[0].position;
    await sim.addHrEmployee({ employeeId, storeId: STORE, position, startDate: storeToday(h.fleet, STORE), documentNumber: `DOC-${employeeId}` });
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
      const readable = JSON.stringify(history, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
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
