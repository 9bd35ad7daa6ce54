// Onboardings through a Knox Manage outage (the story's blocked servers, shortened): every one
// waits and then finishes, and the worker does not ask Knox Manage's token endpoint once per
// retry of every activity (it used to: 50 onboardings asked for 291 tokens), but a handful of
// times: a failed token request is remembered, and answers every caller for a while.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, hireEvent, startHarness, storeToday, type Harness } from '../support/harness.ts';
import { simAdmin, type SimAdmin } from '../support/sim-admin.ts';

let h: Harness;
let sim: SimAdmin;
const STORE = 'S001';
const HIRES = 20;
const TOKEN = 'POST /emm/oauth/token';

beforeAll(async () => {
  h = await startHarness({ fleet: { stores: 1, employeesPerStore: 4, stockPerStore: HIRES + 5 } });
  sim = simAdmin(h.sims);
});
afterAll(async () => h?.close());

describe('Knox Manage outage during onboardings', () => {
  it(`${HIRES} onboardings wait through the outage and finish, asking for a few tokens, not one per retry`, async () => {
    // Nothing has asked Knox Manage for a token yet: every onboarding needs the first one.
    expect(h.sims.knoxManage.calls.count(TOKEN)).toBe(0);
    h.sims.knoxManage.faults.configure({ outage: { down: true } });

    const employeeIds: string[] = [];
    for (let i = 0; i < HIRES; i++) {
      const employeeId = h.newEmployeeId();
      const position = h.fleet.employees[0]!.position;
      await sim.addHrEmployee({ employeeId, storeId: STORE, position, startDate: storeToday(h.fleet, STORE), documentNumber: `DOC-${employeeId}` });
      await sim.addDirectoryAccount(employeeId, 0);
      expect((await h.sendHrEvent(hireEvent(employeeId, STORE, position, { startDate: storeToday(h.fleet, STORE) }))).status).toBe(202);
      employeeIds.push(employeeId);
    }
    // The outage lasts until every onboarding has been turned away by Knox Manage a few times.
    await eventually(async () => h.sims.knoxManage.calls.count(TOKEN) >= 3, 'a few token requests during the outage', 60_000);
    await new Promise((r) => setTimeout(r, 5_000));
    const duringOutage = h.sims.knoxManage.calls.count(TOKEN);
    h.sims.knoxManage.faults.clear();

    for (const employeeId of employeeIds) {
      await eventually(
        async () => {
          const res = await h.call('GET', `/employees/${employeeId}`);
          return res.status === 200 && (await res.json()).onboarding?.stage === 'awaiting-handover';
        },
        `${employeeId} to be ready for the hand-over`,
        120_000,
      );
    }
    const total = h.sims.knoxManage.calls.count(TOKEN);
    console.log(`knox outage: ${HIRES} onboardings asked for ${duringOutage} tokens during the outage, ${total} in all`);
    // Remembered failures: 2 s, 4 s, 8 s ... between token requests, whatever the number of
    // onboardings retrying; one successful token after the outage serves all of them.
    expect(duringOutage).toBeLessThanOrEqual(8);
    expect(total - duringOutage).toBeLessThanOrEqual(2);
  });
});
