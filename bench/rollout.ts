// Benchmark: planning store rollouts (issue 10 §1). Pure domain code, no servers.
//
//   npm run bench:rollout              # 100 random stores (BENCH_STORES), seed 1 (BENCH_SEED)
//
// Printed: planning time for a 300-person and a 3,000-person store (goals < 2 s and < 30 s); on
// BENCH_STORES random stores, days / lower bound on days (goal 1.0) without availability limits
// (everyone works every training day in one of the shift classes: the bound is the closed
// form and must be reached) and with them (days off, leave, trainers on some weekdays, a midday
// peak: the bound is the largest of the seats', the floor's, the first-availability and the
// link's bounds, and may not be reachable); and, with a link that cannot keep up, how many
// stores the link pushed beyond their unlinked plan; then the activation of a 300-phone store
// (1 GB images, 30 % of its uplink, 20 Mbit/s a phone, 10 first sign-ins a minute) planned by the
// rollout's activation planner and played on the simulators' link model (StoreLink): makespan /
// bandwidth bound (goal <= 1.1), peak link use / share (goal <= 1.0), the most first sign-ins in
// any 60 s (goal <= K) and phones late for their session. It asserts nothing.
import { planTraining, WEEKDAYS, type RosterEntry, type TrainingPlanInput, type Weekday } from '../src/domain/training-plan.ts';
import { seededRandom } from '../src/domain/seeded-random.ts';
import { log, positiveInt, round } from './figures.ts';
import { planActivation } from '../src/domain/activation-plan.ts';
import { StoreLink } from '../src/systems/shared/store-link.ts';

const SHIFTS = [
  { from: '07:00', until: '15:00' },
  { from: '15:00', until: '23:00' },
];
const DEPARTMENTS = ['SALES', 'CASH', 'STOCK', 'DELIVERY', 'OFFICE', 'SECURITY'];

function store(rand: () => number, people: number, limits: boolean): TrainingPlanInput {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const roster: RosterEntry[] = [];
  for (let i = 0; i < people; i++) {
    const entry: RosterEntry = { employeeId: `E${String(i).padStart(5, '0')}`, department: pick(DEPARTMENTS), shift: pick(SHIFTS) };
    if (limits) {
      const off = [pick(WEEKDAYS)];
      if (rand() < 0.5) off.push(pick(WEEKDAYS));
      entry.daysOff = [...new Set(off)] as Weekday[];
      // A tenth away for one to three days somewhere in the first two weeks (leave, a course).
      if (rand() < 0.1) {
        const first = Math.floor(rand() * 14);
        entry.unavailable = Array.from({ length: 1 + Math.floor(rand() * 3) }, (_, d) => `2027-02-${String(1 + first + d).padStart(2, '0')}`);
      }
    }
    roster.push(entry);
  }
  const counts = new Map<string, number>();
  for (const e of roster) counts.set(`${e.department}|${e.shift.from}`, (counts.get(`${e.department}|${e.shift.from}`) ?? 0) + 1);
  // Floor minimums of a quarter to three quarters of the smallest shift's headcount.
  const departments = DEPARTMENTS.map((id) => {
    const smallest = Math.min(...SHIFTS.map((s) => counts.get(`${id}|${s.from}`) ?? 0).filter((n) => n > 0));
    const min = Number.isFinite(smallest) ? Math.max(0, Math.min(smallest - 1, Math.floor(smallest * (0.25 + rand() * 0.5)))) : 0;
    return limits ? { id, minOnFloor: Math.max(0, min - 2), bySlot: [{ from: '12:00', until: '14:00', min }] } : { id, minOnFloor: min };
  });
  // Few rooms: the seats, not the calendar, should decide most stores' days.
  const rooms = Array.from({ length: 1 + Math.floor(people / 1000) }, (_, i) => ({ id: `R${i + 1}`, seats: pick([8, 12, 16, 16]) }));
  const trainers = rooms.map((_, i) => ({
    id: `T${i + 1}`,
    ...(limits ? { availability: { weekdays: WEEKDAYS.filter(() => rand() < 0.8) as Weekday[] } } : {}),
  }));
  for (const t of trainers) if (t.availability && t.availability.weekdays.length === 0) t.availability.weekdays = ['MON'];
  return {
    timeZone: 'Europe/Moscow',
    firstDay: '2027-02-01',
    sessionMinutes: pick([60, 90, 120]),
    openingHours: { from: '07:00', until: '23:00' },
    rooms,
    trainers,
    departments,
    roster,
    horizonDays: 120,
  };
}

function timed<T>(f: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = f();
  return { value, ms: performance.now() - started };
}

const seed = positiveInt('BENCH_SEED', 1);
const stores = positiveInt('BENCH_STORES', 100);
const rand = seededRandom(seed);

for (const [people, goal] of [
  [300, 2],
  [3000, 30],
] as const) {
  const input = store(rand, people, true);
  const { value, ms } = timed(() => planTraining(input));
  console.log(
    `planning ${people} employees (availability limits): ${round(ms / 1000, 2)} s (goal < ${goal} s); ${value.days} days, bound ${value.lowerBound.days} (${value.lowerBound.setBy.kind})`,
  );
}

for (const limits of [false, true]) {
  const ratios: number[] = [];
  let refused = 0;
  let slowest = 0;
  for (let i = 0; i < stores; i++) {
    const input = store(rand, 150 + Math.floor(rand() * 350), limits);
    try {
      const { value, ms } = timed(() => planTraining(input));
      ratios.push(value.days / value.lowerBound.days);
      slowest = Math.max(slowest, ms);
    } catch (err) {
      refused += 1;
      log(`store ${i}: ${(err as Error).message}`);
    }
  }
  const tight = ratios.filter((r) => r === 1).length;
  console.log(
    `${stores} random stores ${limits ? 'with' : 'without'} availability limits: days / lower bound mean ${round(ratios.reduce((a, b) => a + b, 0) / ratios.length, 3)}, max ${round(Math.max(...ratios), 3)} (goal 1.0); at the bound ${tight} of ${ratios.length}; refused as infeasible ${refused}; slowest plan ${round(slowest / 1000, 2)} s`,
  );
}

// A link that cannot image everyone before the sessions would start: the plan waits for it.
let pushed = 0;
let linkBound = 0;
for (let i = 0; i < Math.min(stores, 20); i++) {
  const input = store(rand, 300, false);
  const free = planTraining(input);
  const slow = planTraining({ ...input, activation: { startsAt: '2027-01-31T20:00:00+03:00', imageBytes: 1e9, uplinkMbps: 20, sharePercent: 50, phoneMbps: 5 } });
  if (slow.days > free.days) pushed += 1;
  if (slow.lowerBound.setBy.kind === 'uplink') linkBound += 1;
}
console.log(
  `300-person stores over 50 % of a 20 Mbit/s link, phones at 5 Mbit/s (two at once: 4.5 images of 1 GB an hour): the link pushed ${pushed} of ${Math.min(stores, 20)} plans beyond their unlinked days, and set the bound in ${linkBound}`,
);

// Activation of a 300-phone store: the plan's sessions say when each phone is needed; the images
// go through the share in waves, played on the link model the MDM simulators use.
for (const uplinkMbps of [100, 300, 1000]) {
  const input = store(rand, 300, false);
  const activation = { startsAt: '2027-01-31T20:00:00+03:00', imageBytes: 1e9, uplinkMbps, sharePercent: 30, phoneMbps: 20 };
  const plan = planTraining({ ...input, activation });
  const neededBy = new Map<string, number>();
  for (const s of plan.sessions) for (const e of s.employees) neededBy.set(e, Date.parse(s.startsAt));
  const K = 10;
  const from = Date.parse(activation.startsAt);
  const { value: schedule, ms } = timed(() =>
    planActivation({
      phones: input.roster.map((e, i) => ({ imei: `35${String(i).padStart(13, '0')}`, neededBy: neededBy.get(e.employeeId)! })),
      from,
      imageBytes: activation.imageBytes,
      link: { uplinkMbps, share: 0.3 },
      phoneMbps: activation.phoneMbps,
      firstLoginsPerMinute: K,
      seed: 'S-BENCH',
    }),
  );
  const link = new StoreLink(uplinkMbps, from);
  let lastEnd = from;
  const ends = new Map<string, number>();
  const note = (done: { id: string; endedAt: number }[]) => done.forEach((d) => (ends.set(d.id, d.endedAt), (lastEnd = Math.max(lastEnd, d.endedAt))));
  for (const t of [...schedule.targets].sort((a, b) => a.downloadFrom - b.downloadFrom)) note(link.start(t.imei, activation.imageBytes, activation.phoneMbps, t.downloadFrom));
  note(link.drain());
  const logins = schedule.targets.map((t) => Math.max(t.activateFrom, ends.get(t.imei)!)).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < logins.length; i++) {
    while (logins[i]! - logins[j]! >= 60_000) j++;
    most = Math.max(most, i - j + 1);
  }
  const boundMs = (300 * activation.imageBytes * 8) / (uplinkMbps * 0.3 * 1000);
  // What no schedule of whole, unthrottled downloads can beat: ceil(300 / at once) one after the other.
  const wholeBoundMs = Math.ceil(300 / schedule.concurrency) * Math.ceil((activation.imageBytes * 8) / (activation.phoneMbps * 1000));
  console.log(
    `activation of 300 phones over 30 % of ${uplinkMbps} Mbit/s (${schedule.concurrency} downloads at once): planned in ${round(ms / 1000, 2)} s; ` +
      `makespan / bandwidth bound ${round((lastEnd - from) / boundMs, 3)} (goal <= 1.1), / whole-download bound ${round((lastEnd - from) / wholeBoundMs, 3)} (${schedule.concurrency} x 20 of ${uplinkMbps * 0.3} Mbit/s: a download cannot be throttled); ` +
      `peak link use / share ${round(link.peakMbps() / (uplinkMbps * 0.3), 3)} (goal <= 1.0); most first sign-ins in 60 s ${most} (K = ${K}); late for their session ${schedule.late.length}; training days ${plan.days} (bound ${plan.lowerBound.days}, ${plan.lowerBound.setBy.kind})`,
  );
}
