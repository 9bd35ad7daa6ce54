// Benchmark: a store closes and its whole staff is dismissed at once. HR sends the dismissals
// late (the last working day is already over), so nobody is reminded and no phone comes back:
// every leaver runs lock -> permanent lock (Knox Guard) -> write-off with the leasing partner and
// ends. Everything is real except the outside world: a Temporal dev server, a fresh PostgreSQL
// database, the worker and the API, with simulators that answer at once (no latency, no faults,
// every phone online), and a policy whose waits are one second, so what is measured is phonefleet.
//
//   npm run bench:leaver                                      # 3,000 dismissals, 32 requests in flight
//   BENCH_DISMISSALS=200 BENCH_CONCURRENCY=8 npm run bench:leaver
//
// Optional: BENCH_TIMEOUT_S (from the first event until every phone is written off, default 900;
// partial figures are printed when it passes), BENCH_SAMPLE (employees whose Temporal histories
// are read, default 20), BENCH_ACTIVITY_SLOTS (the worker's maxConcurrentActivityTaskExecutions;
// the lifecycle worker's default (src/worker/worker.ts) otherwise), DATABASE_URL (the PostgreSQL server the throw-away database
// is created on; default local trust auth).
//
// It prints figures and asserts nothing about them: timings depend on the machine.
// First (through ./rig.ts): it installs Temporal's runtime with warnings-only logging before anything creates one.
import { children, log, mib, percentile, positiveInt, round, runBench, seconds, sendEvents, signedCloudEvent, startRig, workerSettings, type Rig } from './rig.ts';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import proto from '@temporalio/proto';
import { DEFAULT_POLICY } from '../src/config.ts';
import { isValidIccid, isValidImei } from '../src/domain/identifiers.ts';
import type { SimulatorName } from '../src/systems/index.ts';
import { employeeWorkflowId } from '../workflows/employee-lifecycle.ts';
import { leaverWorkflowId } from '../workflows/leaver.ts';
import type { FleetPolicy } from '../workflows/policy.ts';

const DISMISSALS = positiveInt('BENCH_DISMISSALS', 3000);
const CONCURRENCY = positiveInt('BENCH_CONCURRENCY', 32);
const TIMEOUT_MS = positiveInt('BENCH_TIMEOUT_S', 15 * 60) * 1000;
const SAMPLE = Math.min(positiveInt('BENCH_SAMPLE', 20), DISMISSALS);
const ACTIVITY_SLOTS = process.env.BENCH_ACTIVITY_SLOTS ? positiveInt('BENCH_ACTIVITY_SLOTS', 0) : undefined;
const STORE = 'S001';
const HR_SECRET = 'whsec_' + randomBytes(24).toString('base64');

// Nothing waits long: the last working day is over, the grace periods, the poll interval and the
// recovery watch are a second, and there are no reminders. Joiner and mover are not exercised.
const POLICY: FleetPolicy = {
  joiner: DEFAULT_POLICY.joiner,
  leaver: {
    reminderDaysBefore: [],
    returnGracePeriod: '1 second',
    brickGracePeriod: '1 second',
    recoveryWatch: '1 second',
    commandPollInterval: '1 second',
    simOnReturn: 'suspend',
  },
  mover: DEFAULT_POLICY.mover,
};

/** YYYY-MM-DD, `days` from today (UTC). Yesterday (UTC) is over in every store: they are all east of UTC. */
function dayFromToday(days: number): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

// --- the fleet -------------------------------------------------------------------------------

/**
 * What the benchmark relies on, checked before anything is sent: valid and unique IMEIs, ICCIDs
 * and MSISDNs at this size, every employee with a phone and a SIM in use, every phone enrolled
 * in the store's MDM, online, and known to Knox Guard.
 */
function checkFleet(rig: Rig): string[] {
  const { fleet, sims } = rig;
  const problems: string[] = [];
  const unique = (what: string, values: string[]) => {
    const dupes = values.length - new Set(values).size;
    if (dupes) problems.push(`${dupes} duplicate ${what}s`);
  };
  unique(
    'IMEI',
    fleet.devices.map((d) => d.imei),
  );
  unique(
    'serial',
    fleet.devices.map((d) => d.serial),
  );
  unique(
    'ICCID',
    fleet.sims.map((s) => s.iccid),
  );
  unique(
    'MSISDN',
    fleet.sims.map((s) => s.msisdn),
  );
  unique(
    'employee id',
    fleet.employees.map((e) => e.employeeId),
  );
  const badImeis = fleet.devices.filter((d) => !isValidImei(d.imei)).length;
  const badIccids = fleet.sims.filter((s) => !isValidIccid(s.iccid)).length;
  if (badImeis) problems.push(`${badImeis} invalid IMEIs`);
  if (badIccids) problems.push(`${badIccids} invalid ICCIDs`);
  const holders = new Set(fleet.devices.filter((d) => d.state === 'IN_USE').map((d) => d.employeeId));
  const simHolders = new Set(fleet.sims.filter((s) => s.state === 'IN_USE').map((s) => s.employeeId));
  const without = fleet.employees.filter((e) => !holders.has(e.employeeId) || !simHolders.has(e.employeeId)).length;
  if (without) problems.push(`${without} employees without a phone and a SIM in use`);
  const offline = fleet.devices.filter((d) => sims.mdm[d.mdmProvider].devices.enrolledByImei(d.imei)?.online !== true).length;
  if (offline) problems.push(`${offline} phones not enrolled and online in their MDM`);
  const unguarded = fleet.devices.filter((d) => !sims.knoxGuard.device(d.imei)).length;
  if (unguarded) problems.push(`${unguarded} phones unknown to Knox Guard`);
  if (fleet.stores.length !== 1 || fleet.stores[0]!.id !== STORE) problems.push(`expected one store ${STORE}`);
  return problems;
}

/** A dismissal CloudEvent as HR sends it (test/support/harness.ts dismissEvent), signed. */
function signedDismissal(employeeId: string, lastWorkingDay: string) {
  return signedCloudEvent(HR_SECRET, {
    specversion: '1.0',
    id: `dismissed-${employeeId}-${randomBytes(4).toString('hex')}`,
    source: '/hr/core',
    type: 'com.retailco.hr.employee.dismissed',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: { employeeId, lastWorkingDay },
  });
}

// --- progress --------------------------------------------------------------------------------

interface Progress {
  /** Employees planLeaver marked leaving (or who already left). */
  leaving: number;
  /** Phones locked through the MDM, or further (LOCKED, BRICKED, LOST). */
  locked: number;
  /** Phones permanently locked through Knox Guard, or further (BRICKED, LOST). */
  bricked: number;
  /** Phones written off with the leasing partner (LOST). */
  lost: number;
  /** Employees whose employment is closed (LEFT). */
  left: number;
}

// One cheap query instead of asking 6,000 workflows. The store holds only the staff's phones.
async function progress(db: Rig['db']): Promise<Progress> {
  const [row] = await db.$queryRaw<Progress[]>`
    SELECT
      (SELECT count(*)::int FROM "Employee" WHERE status IN ('LEAVING', 'LEFT')) AS leaving,
      (SELECT count(*)::int FROM "Device" WHERE state IN ('LOCKED', 'BRICKED', 'LOST')) AS locked,
      (SELECT count(*)::int FROM "Device" WHERE state IN ('BRICKED', 'LOST')) AS bricked,
      (SELECT count(*)::int FROM "Device" WHERE state = 'LOST') AS lost,
      (SELECT count(*)::int FROM "Employee" WHERE status = 'LEFT') AS "left"`;
  return row!;
}

interface Waited {
  last: Progress;
  timedOut: boolean;
  /** When a poll first saw every phone locked / written off (ms epoch). */
  allLockedSeenAt?: number;
  allLostSeenAt?: number;
}

/** Polls every 250 ms until `n` phones are written off or the deadline passes. */
async function waitForWriteOffs(db: Rig['db'], n: number, deadline: number): Promise<Waited> {
  const waited: Waited = { last: { leaving: 0, locked: 0, bricked: 0, lost: 0, left: 0 }, timedOut: false };
  let lastLog = 0;
  for (;;) {
    const p = (waited.last = await progress(db));
    if (p.locked >= n) waited.allLockedSeenAt ??= Date.now();
    if (p.lost >= n) {
      waited.allLostSeenAt = Date.now();
      return waited;
    }
    if (Date.now() > deadline) return { ...waited, timedOut: true };
    if (Date.now() - lastLog >= 5_000) {
      log(`written off ${p.lost}/${n} (leaving ${p.leaving}, locked ${p.locked}, bricked ${p.bricked}, left ${p.left})`);
      lastLog = Date.now();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The first and last audit entry of an action: written by the activity in this process, so it
 * compares with Date.now() without the poll's jitter.
 */
async function auditSpan(db: Rig['db'], action: string): Promise<{ first?: number; last?: number; count: number }> {
  const { _min, _max, _count } = await db.auditLog.aggregate({ where: { action }, _min: { at: true }, _max: { at: true }, _count: true });
  return { first: _min.at?.getTime(), last: _max.at?.getTime(), count: _count };
}

/** Waits (until `deadline`) for the bench's workflows to close; how many still run, or undefined if the server cannot count. */
async function waitForWorkflowsClosed(rig: Rig, deadline: number): Promise<{ running?: number; closedAt?: number }> {
  const query = `TaskQueue = "${rig.taskQueue}" AND ExecutionStatus = "Running"`;
  for (;;) {
    let running: number;
    try {
      running = (await rig.client.workflow.count(query)).count;
    } catch (err) {
      log(`cannot count running workflows: ${err instanceof Error ? err.message : String(err)}`);
      return {};
    }
    if (running === 0) return { running, closedAt: Date.now() };
    if (Date.now() > deadline) return { running };
    await new Promise((r) => setTimeout(r, 500));
  }
}

// --- Temporal histories ----------------------------------------------------------------------

const { temporal } = proto;
const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

interface HistoryFigures {
  runs: number;
  open: number;
  events: number;
  historyBytes: number;
  workflowTasks: number;
  activitiesScheduled: number;
  activityAttempts: number;
  timers: number;
  signals: number;
  childrenStarted: number;
  searchAttributeUpserts: number;
  /** Upserts of TemporalChangeVersion alone (the SDK's own, with a patch marker): not billed. */
  changeVersionUpserts: number;
  markers: number;
  continuedAsNew: number;
  /** Estimated Temporal Cloud actions (see actionsOf). */
  actions: number;
  /** Activities scheduled, by activity type. */
  activities: Record<string, number>;
}

const emptyFigures = (): HistoryFigures => ({
  runs: 0,
  open: 0,
  events: 0,
  historyBytes: 0,
  workflowTasks: 0,
  activitiesScheduled: 0,
  activityAttempts: 0,
  timers: 0,
  signals: 0,
  childrenStarted: 0,
  searchAttributeUpserts: 0,
  changeVersionUpserts: 0,
  markers: 0,
  continuedAsNew: 0,
  actions: 0,
  activities: {},
});

/**
 * Temporal Cloud actions of one run, estimated from its history as docs.temporal.io/cloud/actions
 * describes them:
 *   workflow started by a client or by continue-as-new   1 (a child's own start: 0, see below)
 *   signal-with-start                                     1 in all (its start and its signal)
 *   every other signal received                           1
 *   child workflow started (by the parent)                2 (the start and the execution)
 *   activity attempt (started or retried)                 1 each (ActivityTaskStarted.attempt)
 *   timer started (condition(fn, timeout) included)       1
 *   search-attribute upsert (not TemporalChangeVersion)   1
 * Not counted: workflow tasks, markers (patch markers are not billed; there are no local
 * activities or side effects), queries and heartbeats (none here).
 */
function actionsOf(events: HistoryEvent[]): number {
  let actions = 0;
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  const isChild = Boolean(started?.parentWorkflowExecution?.workflowId);
  const isContinued = Boolean(started?.continuedExecutionRunId);
  let signalWithStart = !isChild && !isContinued && events[1]?.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED;
  if (!isChild) actions += 1;
  for (const e of events) {
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        if (signalWithStart)
          signalWithStart = false; // counted with the start
        else actions += 1;
        break;
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        actions += 2;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        actions += e.activityTaskStartedEventAttributes?.attempt ?? 1;
        break;
      case EventType.EVENT_TYPE_TIMER_STARTED:
        actions += 1;
        break;
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const keys = Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});
        if (keys.some((k) => k !== 'TemporalChangeVersion')) actions += 1;
        break;
      }
    }
  }
  return actions;
}

function addHistory(into: HistoryFigures, events: HistoryEvent[], bytes: number, open: boolean): void {
  into.runs += 1;
  if (open) into.open += 1;
  into.events += events.length;
  into.historyBytes += bytes;
  into.actions += actionsOf(events);
  for (const e of events) {
    switch (e.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        into.workflowTasks += 1;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        into.activitiesScheduled += 1;
        const name = e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
        into.activities[name] = (into.activities[name] ?? 0) + 1;
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        into.activityAttempts += e.activityTaskStartedEventAttributes?.attempt ?? 1;
        break;
      case EventType.EVENT_TYPE_TIMER_STARTED:
        into.timers += 1;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        into.signals += 1;
        break;
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        into.childrenStarted += 1;
        break;
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        into.searchAttributeUpserts += 1;
        const keys = Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});
        if (keys.every((k) => k === 'TemporalChangeVersion')) into.changeVersionUpserts += 1;
        break;
      }
      case EventType.EVENT_TYPE_MARKER_RECORDED:
        into.markers += 1;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
        into.continuedAsNew += 1;
        break;
    }
  }
}

/** Every run (continue-as-new included: listed by workflow id) of each sampled employee's lifecycle and leaver. */
async function sampleHistories(rig: Rig, employeeIds: string[]): Promise<{ employee: HistoryFigures; leaver: HistoryFigures }> {
  const figures = { employee: emptyFigures(), leaver: emptyFigures() };
  for (const employeeId of employeeIds) {
    for (const [kind, workflowId] of [
      ['employee', employeeWorkflowId(employeeId)],
      ['leaver', leaverWorkflowId(employeeId)],
    ] as const) {
      for await (const run of rig.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
        const history = await rig.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
        const bytes = temporal.api.history.v1.History.encode(history).finish().length;
        addHistory(figures[kind], history.events ?? [], bytes, run.status.name === 'RUNNING');
      }
    }
  }
  return figures;
}

/** Totals per sampled employee. */
function perEmployee(f: HistoryFigures, n: number) {
  const each = (v: number) => round(v / n, 2);
  return {
    runs: each(f.runs),
    events: each(f.events),
    historyKiB: round(f.historyBytes / n / 1024, 1),
    workflowTasks: each(f.workflowTasks),
    activitiesScheduled: each(f.activitiesScheduled),
    activityAttempts: each(f.activityAttempts),
    timers: each(f.timers),
    signals: each(f.signals),
    childrenStarted: each(f.childrenStarted),
    searchAttributeUpserts: each(f.searchAttributeUpserts),
    changeVersionUpserts: each(f.changeVersionUpserts),
    markers: each(f.markers),
    continuedAsNew: each(f.continuedAsNew),
    actions: each(f.actions),
  };
}

// --- system figures --------------------------------------------------------------------------

/** Calls to a simulator's API since the last reset, by route, and per phone. */
function callsOf(rig: Rig, system: SimulatorName, devices: number) {
  const routes = rig.sims.all[system].calls.snapshot();
  const total = Object.values(routes).reduce((a, b) => a + b, 0);
  return {
    total,
    perDevice: round(total / devices, 2),
    routes: Object.fromEntries(Object.entries(routes).map(([route, n]) => [route, { calls: n, perDevice: round(n / devices, 2) }])),
  };
}

/** Busy and total CPU time of the machine (all cores), from /proc/stat, in seconds. */
function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
    return { busy: (total - idle) / 100, total: total / 100 };
  } catch {
    return undefined;
  }
}

/** CPU seconds of this process's threads, summed by thread name (main thread, Temporal core, libuv pool, ...). */
function threadCpu(): Record<string, number> {
  const byName: Record<string, number> = {};
  try {
    for (const tid of fs.readdirSync('/proc/self/task')) {
      try {
        const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[-_]?\d+$/, '');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        byName[name] = (byName[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // not Linux
  }
  return byName;
}

// --- main ------------------------------------------------------------------------------------

async function main(stops: (() => Promise<unknown>)[]): Promise<boolean> {
  log(`starting: ${DISMISSALS} dismissals in one store, ${CONCURRENCY} in flight`);
  const setupStarted = performance.now();
  const run = randomBytes(2).toString('hex');
  // One store, its whole staff holding a phone and a SIM each, nothing in stock.
  const rig = await startRig(stops, {
    policy: POLICY,
    fleet: { stores: 1, employeesPerStore: DISMISSALS, stockPerStore: 0, seed: 7, employeeIdPrefix: `L${run}-` },
    hrSecret: HR_SECRET,
    activitySlots: ACTIVITY_SLOTS,
  });
  const problems = checkFleet(rig);
  if (problems.length) throw new Error(`the generated fleet does not fit the benchmark: ${problems.join('; ')}`);
  const employeeIds = rig.fleet.employees.map((e) => e.employeeId);
  const devices = rig.fleet.devices.length;
  const lastWorkingDay = dayFromToday(-1);
  log(
    `set up in ${seconds(performance.now() - setupStarted).toFixed(1)} s: ${employeeIds.length} employees, ${devices} phones (valid, unique IMEIs and ICCIDs; all online), last working day ${lastWorkingDay}`,
  );

  // Seeding is in-process and not counted; start from zero anyway.
  for (const simulator of Object.values(rig.sims.all)) simulator.calls.reset();
  let peakRss = process.memoryUsage().rss;
  let peakServerRss = children()?.rssMib ?? 0;
  const rssSampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 500);
  const serverSampler = setInterval(() => (peakServerRss = Math.max(peakServerRss, children()?.rssMib ?? 0)), 2_000);
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const cpuBefore = process.cpuUsage();
  const childrenBefore = children();
  const machineBefore = machineCpu();
  const threadsBefore = threadCpu();

  const sentAt = Date.now();
  const deadline = sentAt + TIMEOUT_MS;
  const sent = await sendEvents(rig.api, employeeIds.length, CONCURRENCY, (i) => signedDismissal(employeeIds[i]!, lastWorkingDay));
  log(`sent ${DISMISSALS} in ${seconds(sent.durationMs).toFixed(1)} s (${sent.accepted} accepted); waiting for every phone to be locked and written off`);
  const waited = await waitForWriteOffs(rig.db, sent.accepted, deadline);
  const wallS = seconds(Date.now() - sentAt);
  const [lockSpan, brickSpan, writeOffSpan] = [await auditSpan(rig.db, 'phone.locked'), await auditSpan(rig.db, 'phone.bricked'), await auditSpan(rig.db, 'phone.written-off')];
  // The last leavers still watch for a returned phone for a second (recoveryWatch), then their lifecycles end.
  const closed = waited.timedOut ? await waitForWorkflowsClosed(rig, Date.now()) : await waitForWorkflowsClosed(rig, Math.max(deadline, Date.now() + 60_000));

  loopDelay.disable();
  clearInterval(rssSampler);
  clearInterval(serverSampler);
  const cpu = process.cpuUsage(cpuBefore);
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  const childrenAfter = children();
  peakServerRss = Math.max(peakServerRss, childrenAfter?.rssMib ?? 0);
  const machineAfter = machineCpu();
  const threadsAfter = threadCpu();
  const calls = {
    knoxManage: callsOf(rig, 'knoxManage', devices),
    knoxGuard: callsOf(rig, 'knoxGuard', devices),
    leasePartner: callsOf(rig, 'leasePartner', devices),
    operator: callsOf(rig, 'operator', devices),
  };

  // Evenly spread over the store's staff (the curator first).
  const sample = Array.from({ length: SAMPLE }, (_, i) => employeeIds[Math.floor((i * employeeIds.length) / SAMPLE)]!);
  log(`reading the Temporal histories of ${sample.length} employees`);
  const histories = await sampleHistories(rig, sample);

  const sorted = [...sent.latenciesMs].sort((a, b) => a - b);
  const since = (at: number | undefined) => (at === undefined ? null : round(seconds(at - sentAt), 2));
  const allLocked = waited.last.locked >= sent.accepted && sent.accepted > 0;
  const allLost = !waited.timedOut && sent.accepted > 0;
  const machineBusy = machineBefore && machineAfter ? machineAfter.busy - machineBefore.busy : undefined;
  const benchCpuS = (cpu.user + cpu.system) / 1e6;
  const serverCpuS = childrenBefore && childrenAfter ? childrenAfter.cpuSeconds - childrenBefore.cpuSeconds : undefined;
  const threads = Object.fromEntries(
    Object.entries(threadsAfter)
      .map(([name, s]): [string, number] => [name, round(s - (threadsBefore[name] ?? 0), 1)])
      .filter(([, s]) => s >= 0.5)
      .sort(([, a], [, b]) => b - a),
  );
  const ms = (ns: number) => round(ns / 1e6, 1);
  const summary = {
    dismissals: DISMISSALS,
    concurrency: CONCURRENCY,
    lastWorkingDay,
    accepted: sent.accepted,
    non202: DISMISSALS - sent.accepted,
    sendSeconds: round(seconds(sent.durationMs), 2),
    eventsPerSecond: round(sent.accepted / seconds(sent.durationMs), 1),
    latencyMs: {
      p50: round(percentile(sorted, 50), 1),
      p95: round(percentile(sorted, 95), 1),
      p99: round(percentile(sorted, 99), 1),
      max: round(sorted.at(-1) ?? NaN, 1),
    },
    timedOut: waited.timedOut,
    progress: waited.last,
    // Seconds from the first event sent. "last" from the audit log (stamped by the activity),
    // "seenByPoll" when the 250 ms poll first counted them all.
    lockedSeconds: { first: since(lockSpan.first), last: allLocked ? since(lockSpan.last) : null, seenByPoll: since(waited.allLockedSeenAt) },
    brickedSeconds: { first: since(brickSpan.first), last: waited.last.bricked >= sent.accepted ? since(brickSpan.last) : null },
    writtenOffSeconds: { first: since(writeOffSpan.first), last: allLost ? since(writeOffSpan.last) : null, seenByPoll: since(waited.allLostSeenAt) },
    workflowsClosedSeconds: since(closed.closedAt),
    workflowsStillRunning: closed.running ?? null,
    waitedSeconds: round(wallS, 2),
    writeOffsPerSecond: allLost && writeOffSpan.last !== undefined ? round(sent.accepted / seconds(writeOffSpan.last - sentAt), 1) : round(waited.last.lost / wallS, 1),
    temporal: {
      sampledEmployees: sample.length,
      perEmployee: {
        total: perEmployee(sumFigures(histories.employee, histories.leaver), sample.length),
        employeeLifecycle: perEmployee(histories.employee, sample.length),
        leaver: perEmployee(histories.leaver, sample.length),
      },
      leaverActivitiesPerEmployee: Object.fromEntries(Object.entries(histories.leaver.activities).map(([k, v]) => [k, round(v / sample.length, 2)])),
      lifecycleActivitiesPerEmployee: Object.fromEntries(Object.entries(histories.employee.activities).map(([k, v]) => [k, round(v / sample.length, 2)])),
      openRunsInSample: histories.employee.open + histories.leaver.open,
    },
    calls,
    rssMiB: { now: mib(rss), peak: mib(peakRss), temporalDevServer: childrenAfter?.rssMib ?? null, temporalDevServerPeak: childrenAfter ? peakServerRss : null },
    // From the first event on: what the run cost, without start-up (bundling, seeding).
    cpuSeconds: {
      bench: round(benchCpuS, 1),
      benchByThread: threads,
      temporalDevServer: serverCpuS === undefined ? null : round(serverCpuS, 1),
      // Everything else on the machine: mostly PostgreSQL.
      rest: machineBusy === undefined || serverCpuS === undefined ? null : round(machineBusy - benchCpuS - serverCpuS, 1),
      // Of every core's time meanwhile.
      machineBusyPercent: machineBusy === undefined ? null : round((100 * machineBusy) / (machineAfter!.total - machineBefore!.total), 0),
    },
    eventLoopDelayMs: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) },
    worker: workerSettings(rig.worker),
  };

  const t = summary.temporal.perEmployee;
  const nonAccepted = [...sent.statuses].filter(([status]) => status !== 202);
  const secs = (v: number | null) => (v === null ? 'n/a' : `${v} s`);
  const callRows = (name: string, c: (typeof calls)['knoxManage']): [string, string][] => [
    [`${name} calls`, `${c.total} = ${c.perDevice} per phone`],
    ...Object.entries(c.routes).map(([route, r]): [string, string] => ['', `  ${r.calls} = ${r.perDevice} per phone: ${route}`]),
  ];
  const rows: [string, string][] = [
    ['dismissals sent', `${DISMISSALS} (${CONCURRENCY} in flight), last working day ${lastWorkingDay}`],
    ['accepted (202)', `${sent.accepted} in ${summary.sendSeconds} s = ${summary.eventsPerSecond} events/s`],
    ['non-202', nonAccepted.length ? nonAccepted.map(([s, n]) => `${n}× ${s}`).join(', ') : '0'],
    ['API latency p50/p95/p99/max', `${summary.latencyMs.p50} / ${summary.latencyMs.p95} / ${summary.latencyMs.p99} / ${summary.latencyMs.max} ms`],
    ...(waited.timedOut
      ? ([
          [
            'TIMED OUT',
            `after ${round(wallS, 1)} s: leaving ${waited.last.leaving}, locked ${waited.last.locked}, bricked ${waited.last.bricked}, written off ${waited.last.lost}, left ${waited.last.left} (of ${sent.accepted})`,
          ],
        ] as [string, string][])
      : []),
    ['every phone locked after', `${secs(summary.lockedSeconds.last)} (first ${secs(summary.lockedSeconds.first)}; poll saw it at ${secs(summary.lockedSeconds.seenByPoll)})`],
    ['every phone bricked after', `${secs(summary.brickedSeconds.last)} (first ${secs(summary.brickedSeconds.first)})`],
    [
      'every phone written off after',
      `${secs(summary.writtenOffSeconds.last)} (first ${secs(summary.writtenOffSeconds.first)}; poll saw it at ${secs(summary.writtenOffSeconds.seenByPoll)})`,
    ],
    ['every workflow closed after', closed.closedAt !== undefined ? secs(summary.workflowsClosedSeconds) : `n/a (${closed.running ?? '?'} still running)`],
    ['throughput', `${summary.writeOffsPerSecond} phones written off/s`],
    [
      'Temporal, sampled',
      `${sample.length} employees: every run of employee-<id> and leaver-<id>${summary.temporal.openRunsInSample ? ` (${summary.temporal.openRunsInSample} runs still open)` : ''}`,
    ],
    ['  per employee: runs', `${t.total.runs} (lifecycle ${t.employeeLifecycle.runs}, leaver ${t.leaver.runs})`],
    ['  history events', `${t.total.events} (lifecycle ${t.employeeLifecycle.events}, leaver ${t.leaver.events}); ${t.total.historyKiB} KiB`],
    ['  workflow tasks', `${t.total.workflowTasks} (lifecycle ${t.employeeLifecycle.workflowTasks}, leaver ${t.leaver.workflowTasks})`],
    [
      '  activity tasks',
      `${t.total.activitiesScheduled} scheduled, ${t.total.activityAttempts} attempts (lifecycle ${t.employeeLifecycle.activitiesScheduled}, leaver ${t.leaver.activitiesScheduled})`,
    ],
    ['  timers', `${t.total.timers} (lifecycle ${t.employeeLifecycle.timers}, leaver ${t.leaver.timers})`],
    ['  signals / children / CAN', `${t.total.signals} / ${t.total.childrenStarted} / ${t.total.continuedAsNew}`],
    [
      '  search-attribute upserts',
      `${t.total.searchAttributeUpserts}, of which ${t.total.changeVersionUpserts} TemporalChangeVersion only (patch markers: ${t.total.markers}, from condition(fn, 0))`,
    ],
    [
      '  Cloud actions (estimate)',
      `${t.total.actions} (lifecycle ${t.employeeLifecycle.actions}, leaver ${t.leaver.actions}) = starts (client/CAN 1, signal-with-start 1 with its signal, child 2 at the parent) + signals + activity attempts + timers + upserts`,
    ],
    [
      '  leaver activities',
      Object.entries(summary.temporal.leaverActivitiesPerEmployee)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
    ...callRows('Knox Manage (MDM)', calls.knoxManage),
    ...callRows('Knox Guard', calls.knoxGuard),
    ...callRows('lease partner', calls.leasePartner),
    ...callRows('operator', calls.operator),
    ['RSS (bench process)', `${summary.rssMiB.now} MiB now, ${summary.rssMiB.peak} MiB peak`],
    [
      'RSS (Temporal dev server)',
      summary.rssMiB.temporalDevServer === null ? 'n/a' : `${summary.rssMiB.temporalDevServer} MiB now, ${summary.rssMiB.temporalDevServerPeak} MiB peak`,
    ],
    [
      'CPU since first event',
      `bench process ${summary.cpuSeconds.bench} s, Temporal dev server ${summary.cpuSeconds.temporalDevServer ?? 'n/a'} s, rest of the machine ${summary.cpuSeconds.rest ?? 'n/a'} s; machine ${summary.cpuSeconds.machineBusyPercent ?? 'n/a'}% busy`,
    ],
    [
      '  bench process by thread',
      Object.entries(threads)
        .map(([k, v]) => `${k} ${v} s`)
        .join(', '),
    ],
    ['event-loop delay p50/p99/max', `${summary.eventLoopDelayMs.p50} / ${summary.eventLoopDelayMs.p99} / ${summary.eventLoopDelayMs.max} ms`],
    ...Object.entries(summary.worker).map(([k, v]): [string, string] => [`worker ${k}`, String(v)]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nleaver benchmark: ${DISMISSALS} dismissals in store ${STORE} (closing), instant simulators, 1-second waits`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  console.log(JSON.stringify(summary));
  return !waited.timedOut && sent.accepted === DISMISSALS;
}

function sumFigures(a: HistoryFigures, b: HistoryFigures): HistoryFigures {
  const sum = emptyFigures();
  for (const key of Object.keys(sum) as (keyof HistoryFigures)[]) {
    if (key === 'activities') sum.activities = { ...a.activities, ...Object.fromEntries(Object.entries(b.activities).map(([k, v]) => [k, v + (a.activities[k] ?? 0)])) };
    else sum[key] = a[key] + b[key];
  }
  return sum;
}

await runBench(main);
