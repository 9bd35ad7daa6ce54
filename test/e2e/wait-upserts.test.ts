// Issue 6 §2 "no upsert when nothing changed": a leaver whose phone stays offline polls the MDM
// round after round with nothing new to say. Each round may cost the check and a timer, never a
// search-attribute upsert: on the real dev server, the leaver's history holds one
// UpsertWorkflowSearchAttributes per change of what it shows, however many rounds it polled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { temporal } from '@temporalio/proto';
import { leaverWorkflowId } from '../../workflows/leaver.ts';
import { dayFromToday, dismissEvent, eventually, startHarness, type Harness } from '../support/harness.ts';
import { simAdmin, type SimAdmin } from '../support/sim-admin.ts';

let h: Harness;
let sim: SimAdmin;

beforeAll(async () => {
  h = await startHarness();
  sim = simAdmin(h.sims);
});
afterAll(async () => h?.close());

type Event = temporal.api.history.v1.IHistoryEvent;
/** Polling rounds: the lock command's progress, then (bricked, waiting for the phone) its lock state. */
const POLLS = ['commandProgress', 'phoneLockState'];
const pollRounds = (events: Event[]) => events.filter((e) => POLLS.includes(e.activityTaskScheduledEventAttributes?.activityType?.name ?? '')).length;
/** What each upsert set, in order (search attributes are plain JSON, not encrypted). */
const upserts = (events: Event[]) =>
  events
    .filter((e) => e.upsertWorkflowSearchAttributesEventAttributes)
    .map((e) => {
      const fields = e.upsertWorkflowSearchAttributesEventAttributes!.searchAttributes?.indexedFields ?? {};
      return Object.fromEntries(Object.entries(fields).map(([k, p]) => [k, JSON.parse(Buffer.from(p.data ?? new Uint8Array()).toString())]));
    });

describe('waits upsert only on change (§2)', () => {
  it('a leaver polling an offline phone for many rounds: no more search-attribute upserts than changes shown', async () => {
    const employee = h.fleet.employees.filter((e) => e.storeId === 'S001')[1];
    const employeeId = employee.employeeId;
    const { devices } = await h.db.employee.findUniqueOrThrow({ where: { id: employeeId }, include: { devices: true } });
    const imei = devices[0].imei;
    await sim.setOnline(imei, false);
    expect((await h.sendHrEvent(dismissEvent(employeeId, dayFromToday(-1)))).status).toBe(202);

    const leaver = await eventually(async () => {
      const handle = h.client.workflow.getHandle(leaverWorkflowId(employeeId));
      await handle.describe();
      return handle;
    }, 'the leaver started');
    let seen = '';
    // Let it poll the offline phone round after round (300 ms growing to 1 s), nothing changing:
    // the lock pending until the brick deadline, then the bricked phone's lock state.
    const polled = await eventually(
      async () => {
        const { events } = await leaver.fetchHistory();
        const rounds = pollRounds(events ?? []);
        if (rounds >= 15) return events!;
        seen = (events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? e.eventType).join(',');
        return undefined;
      },
      'fifteen polling rounds',
      30_000,
    ).catch((err) => {
      throw new Error(`${err.message}; history: ${seen}`);
    });
    const rounds = pollRounds(polled);
    // The SDK's own upserts (TemporalChangeVersion, one per patched() marker) are not the workflow's.
    const shown = upserts(polled).filter((s) => Object.keys(s).some((k) => k !== 'TemporalChangeVersion'));
    console.log(`[figure] leaver offline: ${rounds} polling rounds, ${shown.length} upserts: ${shown.map((s) => s.Phase ?? Object.keys(s).join('+')).join(' -> ')}`);

    // Each upsert shows something new: the Phase never set twice in a row to the same value.
    const phases = shown.filter((s) => 'Phase' in s).map((s) => String(s.Phase));
    for (let i = 1; i < phases.length; i++) expect(phases[i], `upsert ${i} repeats ${phases[i]}`).not.toBe(phases[i - 1]);
    // Changes shown: the distinct stages the query went through, far fewer than the rounds.
    const changes = phases.filter((p, i) => i === 0 || p !== phases[i - 1]).length;
    const others = shown.filter((s) => !('Phase' in s)).length; // the phone's IMEI, once
    expect(shown.length).toBeLessThanOrEqual(changes + others);
    expect(others).toBeLessThanOrEqual(1);
    expect(shown.length).toBeLessThan(rounds);
    // The wait was the offline one the whole time.
    expect(phases).toContain('locking-pending-offline');
    await sim.setOnline(imei, true);
  }, 180_000);
});
