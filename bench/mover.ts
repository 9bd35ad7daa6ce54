// Benchmark: an evaluation round. HR moves 5,000 people of one store to another role at once:
// each phone gets the new profile, loses the apps the new role lacks and shows a message, all
// through Knox Manage, whose simulator enforces its published limits scaled up (so that the
// round takes minutes, not an hour) while phonefleet paces itself to them fleet-wide through its
// PostgreSQL budgets. Everything else is real: a Temporal dev server, a fresh PostgreSQL database,
// the worker and the API.
//
//   npm run bench:mover                                           # 5,000 role changes
//   BENCH_ROLE_CHANGES=500 BENCH_COMMANDS_PER_MINUTE=600 npm run bench:mover
//
// The figure: makespan / (device commands / limit), the time the round took against the least
// time the MDM's device-command limit allows for the commands it received (1.0 = at the limit
// from the first event to the last change; goal <= 1.15), and how many requests Knox Manage
// answered 429. Optional: BENCH_COMMANDS_PER_MINUTE (the scaled device-command limit, default
// 3,000 = 10x the published 300; the overall limit stays 6x it, as published: 1,800 vs 300),
// BENCH_CONCURRENCY (HR requests in flight, default 32), BENCH_TIMEOUT_S (default 1,800),
// BENCH_ACTIVITY_SLOTS (the worker's maxConcurrentActivityTaskExecutions).
//
// It prints figures and asserts nothing about them: timings depend on the machine.
// First (through ./rig.ts): it installs Temporal's runtime with warnings-only logging before anything creates one.
import { log, positiveInt, round, runBench, seconds, sendEvents, signedCloudEvent, startRig, type Rig } from './rig.ts';
import { randomBytes } from 'node:crypto';
import { DEFAULT_POLICY } from '../src/config.ts';
import { ROLES } from '../src/domain/roles.ts';
import type { RateLimitCounts } from '../src/systems/shared/rate-limits.ts';

const CHANGES = positiveInt('BENCH_ROLE_CHANGES', 5000);
const COMMANDS_PER_MINUTE = positiveInt('BENCH_COMMANDS_PER_MINUTE', 3000);
const CONCURRENCY = positiveInt('BENCH_CONCURRENCY', 32);
const TIMEOUT_MS = positiveInt('BENCH_TIMEOUT_S', 30 * 60) * 1000;
const ACTIVITY_SLOTS = process.env.BENCH_ACTIVITY_SLOTS ? positiveInt('BENCH_ACTIVITY_SLOTS', 0) : undefined;
const HR_SECRET = 'whsec_' + randomBytes(24).toString('base64');
const LIMITS = { requestsPerMinute: COMMANDS_PER_MINUTE * 6, deviceCommandsPerMinute: COMMANDS_PER_MINUTE, retryAfterSeconds: 60 };

/** A role whose apps differ from `code`'s both ways: apps added and removed, a message sent. */
function otherRole(code: string) {
  const role = ROLES.find((r) => r.code === code)!;
  const mine = new Set(role.apps);
  return ROLES.find((r) => r.code !== code && r.apps.some((a) => !mine.has(a)) && [...mine].some((p) => !r.apps.includes(p)))!;
}

function signedRoleChange(employeeId: string, position: string) {
  return signedCloudEvent(HR_SECRET, {
    specversion: '1.0',
    id: `role-changed-${employeeId}-${randomBytes(4).toString('hex')}`,
    source: '/hr/core',
    type: 'com.retailco.hr.employee.role-changed',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: { employeeId, position, urgent: false },
  });
}

async function changesDone(db: Rig['db']): Promise<{ count: number; last?: number }> {
  const { _max, _count } = await db.auditLog.aggregate({ where: { action: 'employee.role-changed' }, _max: { at: true }, _count: true });
  return { count: _count, last: _max.at?.getTime() };
}

async function rateLimitStats(rig: Rig): Promise<RateLimitCounts> {
  return rig.sims.knoxManage.rateLimiter.stats;
}

await runBench(async (stops) => {
  log(`${CHANGES} role changes; Knox Manage limits ${LIMITS.deviceCommandsPerMinute} device commands and ${LIMITS.requestsPerMinute} requests a minute`);
  const rig = await startRig(stops, {
    policy: DEFAULT_POLICY,
    fleet: { stores: 1, employeesPerStore: CHANGES, stockPerStore: 0, seed: 7 },
    hrSecret: HR_SECRET,
    knoxManageRateLimits: LIMITS,
    ...(ACTIVITY_SLOTS !== undefined ? { activitySlots: ACTIVITY_SLOTS } : {}),
  });
  const movers = rig.fleet.employees.filter((e) => rig.fleet.devices.some((d) => d.employeeId === e.employeeId && d.state === 'IN_USE' && d.mdmProvider === 'KNOX_MANAGE'));
  if (movers.length < CHANGES) throw new Error(`only ${movers.length} employees with a Knox Manage phone`);
  const targetRoles = movers.slice(0, CHANGES).map((e) => otherRole(e.roleCode));
  const targets = targetRoles.map((r) => r.positions[0]!);
  // What a role change needs at least: the profile, one uninstall per app removed, the message.
  const neededCommands = movers.slice(0, CHANGES).reduce((sum, e, i) => {
    const removed = ROLES.find((r) => r.code === e.roleCode)!.apps.filter((a) => !targetRoles[i]!.apps.includes(a)).length;
    return sum + 2 + removed;
  }, 0);
  // What setting up did (seeding is in-process) is not part of the round.
  rig.sims.knoxManage.rateLimiter.reset();
  rig.sims.knoxManage.calls.reset();

  log('sending the role changes');
  const started = Date.now();
  const sent = await sendEvents(rig.api, CHANGES, CONCURRENCY, (i) => signedRoleChange(movers[i]!.employeeId, targets[i]!));
  log(`sent in ${seconds(sent.durationMs).toFixed(1)} s: ${[...sent.statuses].map(([s, n]) => `${n}x ${s}`).join(', ')}`);
  // From here on HR's requests no longer share the machine with the round.
  const sentAt = Date.now();
  const commandsAtSent = (await rateLimitStats(rig)).accepted.deviceCommands;

  let done = await changesDone(rig.db);
  let lastLog = 0;
  while (done.count < sent.accepted && Date.now() - started < TIMEOUT_MS) {
    await new Promise((r) => setTimeout(r, 500));
    done = await changesDone(rig.db);
    if (Date.now() - lastLog >= 10_000) {
      const s = await rateLimitStats(rig);
      log(
        `${done.count}/${sent.accepted} done after ${seconds(Date.now() - started).toFixed(0)} s; Knox Manage: ${s.accepted.deviceCommands} device commands, ${s.refused.requests + s.refused.deviceCommands} answered 429`,
      );
      lastLog = Date.now();
    }
  }
  const timedOut = done.count < sent.accepted;
  const makespanMs = (done.last ?? Date.now()) - started;
  const stats = await rateLimitStats(rig);
  const commands = stats.accepted.deviceCommands;
  const leastMs = (commands / LIMITS.deviceCommandsPerMinute) * 60_000;
  const pacing = rig.systems.knoxManage.budgets?.stats;
  const afterSendingMs = (done.last ?? Date.now()) - sentAt;
  const afterSendingLeastMs = ((commands - commandsAtSent) / LIMITS.deviceCommandsPerMinute) * 60_000;
  const figures = {
    roleChanges: done.count,
    accepted: sent.accepted,
    timedOut,
    makespanS: round(seconds(makespanMs), 1),
    deviceCommands: commands,
    deviceCommandsPerChange: round(commands / Math.max(1, done.count), 2),
    deviceCommandsNeeded: timedOut ? undefined : neededCommands,
    requests: stats.accepted.requests,
    tokenRequests: rig.sims.knoxManage.calls.count('POST /emm/oauth/token'),
    leastMakespanS: round(seconds(leastMs), 1),
    ratio: round(makespanMs / leastMs, 3),
    /** The same after the last HR request was answered: the round alone on the machine. */
    ratioAfterSending: round(afterSendingMs / afterSendingLeastMs, 3),
    answered429: stats.refused.requests + stats.refused.deviceCommands,
    answered429ByLimit: stats.refused,
    turnedAwayByBudget: pacing?.turnedAway ?? {},
    averageWaitMs: Object.fromEntries(Object.entries(pacing?.waitedMs ?? {}).map(([k, ms]) => [k, round(ms / Math.max(1, pacing!.taken[k] ?? 1), 1)])),
  };
  console.log(JSON.stringify(figures, null, 2));
  console.log(
    `mover bench: ${done.count} role changes in ${figures.makespanS} s; ${commands} device commands (${neededCommands} needed) at ${LIMITS.deviceCommandsPerMinute}/min need ${figures.leastMakespanS} s: ` +
      `makespan / (device commands / limit) = ${figures.ratio} (goal <= 1.15; after the last HR request: ${figures.ratioAfterSending}${timedOut ? '; TIMED OUT' : `; against the commands needed: ${round(makespanMs / ((neededCommands / LIMITS.deviceCommandsPerMinute) * 60_000), 3)}`}); ` +
      `429s answered: ${figures.answered429}; turned away by the budgets (retried later): ${JSON.stringify(figures.turnedAwayByBudget)}`,
  );
  return !timedOut;
});
