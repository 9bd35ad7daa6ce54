// `npm run demo:rollout`: the rollout of a new store, watched in about ten minutes on the running
// demo. Store S004 (the next one on later runs, once a rollout is over) comes from HR with no
// phones; its 24 people (two departments with floor minimums) are hired through HR's signed
// events, so their onboardings wait for stock; the leasing partner's shipment (a phone with its
// SIM inside per person, and two spares) is checked; phonefleet's planner plans the training
// (printed: sessions, days, the lower bound and what sets it); then the rollout starts with the
// planned sessions brought forward to minutes from now, and the phones come out of their boxes
// once the shipment is registered. A rollout already running is shown, not started again.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { addDays, localDate } from '../domain/store-calendar.ts';
import type { PlannedSession, TrainingPlan, TrainingPlanInput } from '../domain/training-plan.ts';
import { DEMO_ROLLOUT_POLICY } from '../rollout/policy.ts';
import { FLEET_OPERATOR } from '../systems/fleet.ts';
import { STORE_ROLLOUT_WORKFLOW, storeRolloutWorkflowId, type RolloutProgress, type StoreRolloutInput } from '../../workflows/store-rollout-contract.ts';
import { trainingSessionWorkflowId } from '../../workflows/training-session-contract.ts';
import { apiCall, cliEnvironment, config, fail, phonefleetThen, post, signedHrEvent, simulatorUrl, temporal, webUi } from './demo.ts';
import { clockTime, demoRollout, DEPARTMENTS, inTime, manifestOf, rolloutOf, rosterOf, staffOf } from './demo-rollout-store.ts';

/** The demo's clock: the first session a few minutes from now, each a couple of minutes, a minute apart. */
const FIRST_SESSION_IN_MS = 3 * 60_000;
const SESSION_MS = 2 * 60_000;
const GAP_MS = 60_000;
const INVITE_AHEAD = '1 minute';
/** How long after its end a session still takes the trainer's attendance (then its people are no-shows). */
const ATTENDANCE_GRACE = '2 minutes';
/** The store's link as the MDM simulator models it, and the image: 10 MB, four phones at a time, 8 s each. */
const LINK = { uplinkMbps: 100, sharePercent: 40, phoneMbps: 10 };
const IMAGE_BYTES = 10_000_000;
const FIRST_LOGINS_PER_MINUTE = 12;

const STORE_HOURS = { from: '08:00', until: '22:00' };
const TIME_ZONE = 'Europe/Moscow';

const { storeId, progress: running } = await demoRollout();
const rolloutId = storeRolloutWorkflowId(storeId);
const staff = staffOf(storeId);
const mdmAdmin = async () => {
  const { body } = await apiCall<{ mdmProvider: string }>('GET', `/stores/${storeId}/settings`);
  return `${simulatorUrl(body.mdmProvider === 'SECOND_MDM' ? 'secondMdm' : 'knoxManage')}/_sim`;
};

if (running) {
  console.log(`The rollout of ${storeId} is already running (${rolloutId}): follow it, or wait for it to end to roll out the next store.`);
  await unbox();
  await watch();
  process.exit(0);
}

// --- the store, as HR brings a new one (the fleet sync takes it in) ------------------------------
if ((await apiCall('GET', `/stores/${storeId}/settings`)).status === 404) {
  const hours = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [STORE_HOURS.from, STORE_HOURS.until]]));
  const hr = await post(`${simulatorUrl('hr')}/_sim/stores`, {
    storeId,
    name: `RetailCo Tula ${storeId}`,
    timeZone: TIME_ZONE,
    address: 'Tula, Novomoskovskoye shosse, 10',
    openingHours: hours,
    curatorEmployeeId: staff[0]!.employeeId,
  }).catch(() => fail('the HR simulator does not answer: is `npm start` running (the demo, with simulators)?'));
  if (!hr.ok) fail(`the HR simulator refused the store: ${hr.status} ${await hr.text()}`);
  const sync = await apiCall<{ id: string }>('POST', '/fleet-syncs', { idempotencyKey: `demo-rollout-${storeId}-${Date.now()}` });
  if (sync.status !== 202) fail(`the fleet sync did not start: ${sync.status} ${JSON.stringify(sync.body)}`);
  process.stdout.write(`New store ${storeId} in HR; the fleet sync ${sync.body.id} takes it in`);
  await until(async () => (await apiCall('GET', `/stores/${storeId}/settings`)).status === 200, 120_000, 'the fleet sync to bring the store');
  console.log('.');
}
// What HR does not know: its support line and its uplink (releases and this rollout's images share it).
await apiCall('PATCH', `/stores/${storeId}/settings`, { supportPhone: '+7 800 000-00-04', uplinkMbps: LINK.uplinkMbps, updateSharePercent: LINK.sharePercent });
const link = await fetch(`${await mdmAdmin()}/apps/links/${storeId}`, {
  method: 'PUT',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ uplinkMbps: LINK.uplinkMbps, phoneMbps: LINK.phoneMbps }),
});
if (!link.ok) fail(`the MDM simulator did not model the store's link: ${link.status} ${await link.text()}`);

// --- the staff, hired through HR's events (identity data in HR only) -----------------------------
const today = localDate(new Date(), TIME_ZONE);
let hired = 0;
for (const p of staff) {
  if ((await apiCall('GET', `/employees/${p.employeeId}`)).status === 200) continue; // hired by an earlier run
  const n = Number(p.employeeId.slice(-2));
  const hr = await post(`${simulatorUrl('hr')}/_sim/employees`, {
    employeeId: p.employeeId,
    storeId,
    position: p.position,
    startDate: today,
    status: 'HIRED',
    identity: {
      firstName: 'Demo',
      lastName: `Staff ${n}`,
      birthDate: '1996-04-0' + ((n % 9) + 1),
      nationality: 'RU',
      documentType: 'PASSPORT',
      documentNumber: `70 ${storeId.slice(1)}${String(n).padStart(4, '0')}`,
    },
  });
  if (!hr.ok) fail(`the HR simulator refused ${p.employeeId}: ${hr.status} ${await hr.text()}`);
  await post(`${simulatorUrl('directory')}/_sim/accounts`, { employeeId: p.employeeId, availableAfterMs: 0 });
  const event = await signedHrEvent('hired', p.employeeId, { storeId, position: p.position, startDate: today });
  if (event.status !== 202) fail(`HR's hire of ${p.employeeId} was refused: ${event.status} ${event.text}`);
  hired += 1;
}
console.log(
  `${staff.length} people at ${storeId} (${DEPARTMENTS.map((d) => `${d.people} ${d.id}, at least ${d.minOnFloor} on the floor`).join('; ')}): ${hired ? `${hired} hired now through HR's events` : 'hired by an earlier run'}, ${staff[0]!.employeeId} the store's curator. No phones in stock: their onboardings wait for the shipment.`,
);
// Their onboardings reach the stock in seconds (the rollout does not wait for them: a phone
// registered before someone's onboarding looks is reserved all the same).
process.stdout.write('Their onboardings');
const stages = await until(async () => {
  const now = await Promise.all(staff.map(async (p) => (await apiCall<{ onboarding?: { stage?: string } }>('GET', `/employees/${p.employeeId}`)).body?.onboarding?.stage));
  return now.every((s) => s && !['recording-hire', 'awaiting-directory-account'].includes(s)) && now;
}, 20_000).catch(() => undefined);
console.log(`: ${stages ? [...new Set(stages)].map((s) => `${stages.filter((x) => x === s).length} ${s}`).join(', ') : 'still starting'} (joiner-${staff[0]!.employeeId} ...).`);

// --- the partner's shipment: the operator knows each SIM's number ---------------------------------
const manifest = manifestOf(storeId);
const sims = await post(
  `${simulatorUrl('operator')}/_sim/sims`,
  manifest.map((m) => ({ iccid: m.iccid, msisdn: m.msisdn, status: 'INVENTORY' })),
);
if (!sims.ok) fail(`the operator simulator refused the SIMs: ${sims.status} ${await sims.text()}`);
const checked = await apiCall<{ phones: number }>('POST', `/stores/${storeId}/rollouts/manifest-check`, { manifest });
if (checked.status !== 200) fail(`the manifest was refused: ${checked.status} ${JSON.stringify(checked.body)}`);
console.log(`The partner's shipment: ${checked.body.phones} phones, each with its SIM inside (manifest checked: POST /stores/${storeId}/rollouts/manifest-check).`);

// --- the plan, by phonefleet's planner (the store's real slot grid: sessions of an hour) ----------
const firstDay = addDays(today, 1);
const constraints = {
  firstDay,
  sessionMinutes: 60,
  openingHours: STORE_HOURS,
  rooms: [{ id: 'R1', seats: 12 }],
  // The trainer comes two hours a day: two sessions a day at most.
  trainers: [{ id: 'T1', availability: { hours: { from: '09:00', until: '11:00' } } }],
  departments: DEPARTMENTS.map((d) => ({ id: d.id, minOnFloor: d.minOnFloor })),
  roster: rosterOf(storeId),
};
const planned = await apiCall<{ plan: TrainingPlan }>('POST', `/stores/${storeId}/rollouts/plan`, constraints);
if (planned.status !== 200) fail(`the planner refused: ${planned.status} ${JSON.stringify(planned.body)}`);
const { plan } = planned.body;
const bound = plan.lowerBound;
console.log(`
The plan (POST /stores/${storeId}/rollouts/plan): ${plan.sessions.length} sessions over ${plan.days} training days from ${firstDay} (lower bound: ${bound.days} days, set by ${bound.setBy.kind}: ${bound.setBy.detail}); every department keeps its floor minimum in every slot.`);
for (const s of plan.sessions)
  console.log(
    `  ${s.id}  ${s.day} ${s.start}-${s.end}  room ${s.room}, trainer ${s.trainer}: ${s.employees.length} people (${DEPARTMENTS.map((d) => `${s.employees.filter((e) => constraints.roster.find((r) => r.employeeId === e)!.department === d.id).length} ${d.id}`).join(', ')})`,
  );

// --- the rollout --------------------------------------------------------------------------------
// Started here with the Temporal client, not through POST /stores/{id}/rollouts: the API holds
// the plan's sessions at their slots on the store's grid (an hour here, 15 minutes at least, the
// first tomorrow), too slow to watch. The demo keeps each planned session (its id, people, room,
// day and slot: the floor rules and the curator's day summaries are the plan's) and only moves
// when it is held: a few minutes each, a minute apart, sessions of one slot together. No-shows
// and changes are placed by the planner on the real grid: tomorrow or later, not in minutes.
const now = Date.now();
const slots = [...new Set(plan.sessions.map((s) => s.startsAt))].sort();
const sessions: PlannedSession[] = plan.sessions.map((s) => {
  const from = now + FIRST_SESSION_IN_MS + slots.indexOf(s.startsAt) * (SESSION_MS + GAP_MS);
  return { ...s, startsAt: new Date(from).toISOString(), endsAt: new Date(from + SESSION_MS).toISOString() };
});
const planInput: TrainingPlanInput = { timeZone: TIME_ZONE, ...constraints };
const input: StoreRolloutInput = {
  storeId,
  planInput,
  sessions,
  inviteAhead: INVITE_AHEAD,
  attendanceGrace: ATTENDANCE_GRACE,
  shipment: { phones: manifest, terms: { leaseContract: `LEASE-2026-${storeId}`, warrantyUntil: addDays(today, 2 * 365), operator: FLEET_OPERATOR } },
  imaging: { startsAt: new Date(now).toISOString(), imageBytes: IMAGE_BYTES, ...LINK, firstLoginsPerMinute: FIRST_LOGINS_PER_MINUTE },
  ...DEMO_ROLLOUT_POLICY,
};
const { client, connection } = await temporal();
try {
  await client.workflow.start(STORE_ROLLOUT_WORKFLOW, {
    workflowId: rolloutId,
    taskQueue: config.temporal.taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'FAIL',
    staticSummary: `Rollout of store ${storeId}: ${planInput.roster.length} people in ${plan.sessions.length} sessions over ${plan.days} days (demo: sessions of minutes)`,
  });
} catch (err) {
  if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  console.log(`\nThe rollout of ${storeId} was started meanwhile by someone else: here it is.`);
  await unbox();
  await watch();
  process.exit(0);
} finally {
  await connection.close();
}
console.log(`
Started ${rolloutId}: the sessions at ${sessions.map((s) => clockTime(s.startsAt)).join(', ')} (${SESSION_MS / 60_000} minutes each; invitations ${INVITE_AHEAD} ahead); images of ${IMAGE_BYTES / 1e6} MB over ${LINK.sharePercent} % of ${LINK.uplinkMbps} Mbit/s, first sign-ins at most ${FIRST_LOGINS_PER_MINUTE} a minute.`);
await unbox();
await watch();

/** Once the shipment is registered, the curator unpacks the phones and switches them on (the MDM sees them online). */
async function unbox(): Promise<void> {
  process.stdout.write('The shipment: each phone registered in the MDM, its SIM checked with the operator, both into stock');
  const progress = await until(async () => {
    const p = await rolloutOf(storeId);
    return p && p.state !== 'registering' && p.shipment ? p : undefined;
  }, 180_000);
  console.log(`: ${progress.shipment!.registered} phones into stock${progress.shipment!.refused.length ? `, ${progress.shipment!.refused.length} refused` : ''}.`);
  const admin = await mdmAdmin();
  let on = 0;
  for (const m of manifestOf(storeId)) {
    const res = await fetch(`${admin}/devices/${m.imei}/online`, { method: 'POST' });
    if (res.ok) on += 1;
  }
  if (on)
    console.log(
      `The curator unpacks the ${on} phones and switches them on (POST ${admin}/devices/<imei>/online): the rollout images them in waves and staggers their first sign-ins.`,
    );
}

async function watch(): Promise<void> {
  const p = (await rolloutOf(storeId)) as RolloutProgress;
  const next = p.upcoming[0];
  console.log(`
Watch it:
  Web UI: ${webUi(rolloutId)}
    the rollout's details line (trained, handed over, phones signed in; what it does now, the next sessions),
    each session its own workflow: ${p.upcoming.map((u) => trainingSessionWorkflowId(storeId, u.sessionId)).join(', ')}
    and each person's onboarding (joiner-${staff[0]!.employeeId} ...): awaiting-stock, then ready for the hand-over at their session
  ${cliEnvironment}
  phonefleet rollout status ${storeId}    (or: npm run phonefleet -- rollout status ${storeId})
  The link: curl ${await mdmAdmin()}/apps/links/${storeId}   (its peak stays within ${LINK.sharePercent} % of ${LINK.uplinkMbps} Mbit/s)
Mark attendance when a session opens${next ? ` (the next, ${next.sessionId}, at ${clockTime(next.startsAt)}, ${inTime(next.startsAt)})` : ''}:
  npm run demo:attend                          everyone invited came
  npm run demo:attend -- --absent ${staff[1]!.employeeId}      one did not: placed into a later session (on the store's real slot grid, tomorrow or later)
  (a session nobody marks closes ${ATTENDANCE_GRACE} after its end: its people are no-shows)
`);
  await phonefleetThen('rollout', 'status', storeId);
}

/** `check` until it answers (a dot a second meanwhile), failing after `timeoutMs`. */
async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what = 'it'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    process.stdout.write('.');
    await new Promise((r) => setTimeout(r, 1_000));
  }
}
