// Training a store's staff in groups (issue 10 §1): every employee trained once, in a session of at
// most 16, during their own shift, without a department's floor falling below its minimum, in
// the fewest training days; with the lower bound beside the plan and the constraint that sets it.
//
// The day is a grid of slots (the session length, from the store's opening). In a slot:
// - an employee can be trained if their shift covers it and they work that day;
// - at most on-floor(d) - minimum(d) people of department d may leave the floor;
// - at most the seats of the sessions that run in it: one per room with a trainer free then;
// - (with activation) only as many people as phones imaged by its start: the store link carries
//   whole images at a phone's Wi-Fi rate, as many at once as fit in its share (update-waves.ts's
//   model, the one the rollout runs: a download cannot be throttled, only not started).
// Everyone fits in the first D training days exactly when a flow network carries everyone:
// source -> group of interchangeable employees -> (department, slot) -> slot -> imaged-by
// (phones ready by then) -> sink. Its maximum flow (max-flow.ts) is integral, so the fewest days
// is the smallest D it carries everyone for. Without availability limits (everyone works every
// training day in one of the shift classes, trainers always there, no link) the bound is
// max(ceil(N / seats per slot), max_d ceil(h_d / (h_d - m_d))) slots per shift class, over the
// class's slots per day: the flow reaches it (a cut argument), and tests hold the plan to it.
// Pure: dates are store dates (YYYY-MM-DD), times the store's wall clock.
import { FlowNetwork } from './max-flow.ts';
import { addDays, zonedInstant } from './store-calendar.ts';

export const MAX_SEATS_PER_SESSION = 16;
export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface WallClockSpan {
  /** HH:MM, store time. */
  from: string;
  /** HH:MM, store time, after `from` (no span across midnight). */
  until: string;
}

export interface RosterEntry {
  employeeId: string;
  department: string;
  /** The hours they work on a working day. */
  shift: WallClockSpan;
  /** HR's planned shifts, when known: they work exactly these (and `shift` is their usual one). */
  shifts?: (WallClockSpan & { date: string })[];
  /** Weekdays they do not work. */
  daysOff?: Weekday[];
  /** Dates they are away (leave, sickness known in advance). */
  unavailable?: string[];
}

export interface TrainingPlanInput {
  timeZone: string;
  /** The first day training may take place. */
  firstDay: string;
  /** Weekdays on which training takes place (default: every day). */
  trainingDays?: Weekday[];
  /** How far ahead a plan may reach, in calendar days (default 90). */
  horizonDays?: number;
  /** No session starts before this instant (ISO 8601): a re-plan after sessions already held. */
  notBefore?: string;
  /** People on the roster already trained: on the floor as everyone else, but in no session. */
  trained?: string[];
  /** Sessions already planned and announced: their rooms, trainers and people are taken then (a re-plan around them). */
  booked?: Pick<PlannedSession, 'startsAt' | 'room' | 'trainer' | 'employees'>[];
  sessionMinutes: number;
  openingHours: WallClockSpan;
  rooms: { id: string; seats: number }[];
  trainers: { id: string; availability?: { weekdays?: Weekday[]; hours?: WallClockSpan; unavailable?: string[] } }[];
  /** Who must stay on the floor: per department, in every slot (and more in the slots `bySlot` names). */
  departments: { id: string; minOnFloor: number; bySlot?: (WallClockSpan & { min: number })[] }[];
  roster: RosterEntry[];
  /** The phones' images over the store's link: each session's phones ready before it starts. */
  activation?: {
    startsAt: string;
    imageBytes: number;
    uplinkMbps: number;
    sharePercent: number;
    /** One phone's download rate over the store's Wi-Fi (default 20 Mbit/s). */
    phoneMbps?: number;
  };
}

export interface PlannedSession {
  id: string;
  day: string;
  /** HH:MM, store time. */
  start: string;
  end: string;
  startsAt: string;
  endsAt: string;
  room: string;
  trainer: string;
  employees: string[];
}

export type BoundingConstraint =
  | { kind: 'seats'; detail: string }
  | { kind: 'floor'; department: string; detail: string }
  | { kind: 'availability'; employeeId: string; detail: string }
  | { kind: 'uplink'; detail: string };

export interface TrainingPlan {
  sessions: PlannedSession[];
  /** Training days from the first to the last session (days without training in between not counted). */
  days: number;
  lastDay: string;
  lowerBound: { days: number; setBy: BoundingConstraint };
  /** Sessions that the link pushed later than they would be without it, and why. */
  activation?: {
    phonesPerHour: number;
    /** When the last session's phones are imaged. */
    lastImagedAt: string;
    movedByLink: { day: string; start: string; people: number; reason: string }[];
  };
}

/** A store that cannot be trained as asked: what stands in the way, and where. */
export class TrainingPlanInfeasible extends Error {
  constructor(
    message: string,
    readonly where: { department?: string; slot?: string; employeeId?: string },
  ) {
    super(message);
    this.name = 'TrainingPlanInfeasible';
  }
}

interface Slot {
  index: number;
  day: string;
  dayIndex: number;
  start: number; // minutes of the day
  end: number;
  startsAtMs: number;
  weekday: Weekday;
  trainers: string[];
  /** The rooms free then, largest first. */
  rooms: { id: string; seats: number }[];
}

const minutes = (hhmm: string): number => {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new RangeError(`${hhmm} is not a time of day (HH:MM)`);
  return Number(m[1]) * 60 + Number(m[2]);
};
const hhmm = (mins: number) => `${String(Math.floor(mins / 60)).padStart(2, '0')}:${String(mins % 60).padStart(2, '0')}`;
const weekdayOf = (date: string): Weekday => WEEKDAYS[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7]!;
const covers = (span: WallClockSpan, start: number, end: number) => minutes(span.from) <= start && end <= minutes(span.until);
const slotName = (s: Slot) => `${s.day} ${hhmm(s.start)}`;

/** The training days and their slots, from the first day over the horizon. */
function slotsOf(input: TrainingPlanInput): { slots: Slot[]; days: string[] } {
  const open = minutes(input.openingHours.from);
  const close = minutes(input.openingHours.until);
  const training = new Set(input.trainingDays ?? WEEKDAYS);
  const notBefore = input.notBefore ? Date.parse(input.notBefore) : -Infinity;
  // Rooms and trainers of the sessions already booked, by their start.
  const taken = new Set((input.booked ?? []).flatMap((b) => [`${Date.parse(b.startsAt)}|room|${b.room}`, `${Date.parse(b.startsAt)}|trainer|${b.trainer}`]));
  const slots: Slot[] = [];
  const days: string[] = [];
  for (let d = 0; d < (input.horizonDays ?? 90); d++) {
    const day = addDays(input.firstDay, d);
    if (!training.has(weekdayOf(day))) continue;
    const midnight = zonedInstant(day, 0, input.timeZone).getTime();
    // A day whose slots have all begun before `notBefore` is not a day of this plan.
    if (midnight + (close - input.sessionMinutes) * 60_000 < notBefore) continue;
    days.push(day);
    for (let start = open; start + input.sessionMinutes <= close; start += input.sessionMinutes) {
      const end = start + input.sessionMinutes;
      if (midnight + start * 60_000 < notBefore) continue;
      const trainers = input.trainers
        .filter((t) => {
          const a = t.availability;
          return (!a?.weekdays || a.weekdays.includes(weekdayOf(day))) && (!a?.hours || covers(a.hours, start, end)) && !a?.unavailable?.includes(day);
        })
        .map((t) => t.id)
        .filter((t) => !taken.has(`${midnight + start * 60_000}|trainer|${t}`))
        .sort();
      const rooms = input.rooms.filter((r) => !taken.has(`${midnight + start * 60_000}|room|${r.id}`)).sort((a, b) => b.seats - a.seats || a.id.localeCompare(b.id));
      slots.push({ index: slots.length, day, dayIndex: days.length - 1, start, end, startsAtMs: midnight + start * 60_000, weekday: weekdayOf(day), trainers, rooms });
    }
  }
  return { slots, days };
}

/** A roster entry read once: its shift in minutes, its days away as sets. */
interface Worker {
  entry: RosterEntry;
  from: number;
  until: number;
  daysOff: Set<string>;
  away: Set<string>;
  /** Planned shifts by date (minutes of the day), when HR gave them. */
  planned?: Map<string, [number, number][]>;
}
function workerOf(entry: RosterEntry): Worker {
  const w: Worker = { entry, from: minutes(entry.shift.from), until: minutes(entry.shift.until), daysOff: new Set(entry.daysOff ?? []), away: new Set(entry.unavailable ?? []) };
  if (entry.shifts) {
    w.planned = new Map();
    for (const s of entry.shifts) w.planned.set(s.date, [...(w.planned.get(s.date) ?? []), [minutes(s.from), minutes(s.until)]]);
  }
  return w;
}
function works(w: Worker, slot: Pick<Slot, 'day' | 'start' | 'end' | 'weekday'>): boolean {
  if (w.away.has(slot.day)) return false;
  if (w.planned) return (w.planned.get(slot.day) ?? []).some(([from, until]) => from <= slot.start && slot.end <= until);
  return w.from <= slot.start && slot.end <= w.until && !w.daysOff.has(slot.weekday);
}

/** Seats in a slot: the largest rooms free then, as many as there are trainers free then. */
function seatsIn(slot: Slot): number {
  return slot.rooms.slice(0, slot.trainers.length).reduce((a, r) => a + r.seats, 0);
}

function minimumOf(dept: TrainingPlanInput['departments'][number] | undefined, slot: Pick<Slot, 'start' | 'end'>): number {
  if (!dept) return 0;
  let min = dept.minOnFloor;
  for (const s of dept.bySlot ?? []) if (minutes(s.from) < slot.end && slot.start < minutes(s.until)) min = Math.max(min, s.min);
  return min;
}

/** Interchangeable employees: the same department and the same slots. */
interface Group {
  department: string;
  employees: string[];
  slots: number[];
  shiftKey: string;
}

/**
 * The plan in the fewest training days. Throws RangeError for input that is not a store
 * (a room over 16 seats, a shift outside the day) and TrainingPlanInfeasible when no plan within
 * the horizon exists, naming the department and slot, or the employee, that prevents it.
 */
export function planTraining(input: TrainingPlanInput): TrainingPlan {
  for (const r of input.rooms) if (!Number.isInteger(r.seats) || r.seats < 1 || r.seats > MAX_SEATS_PER_SESSION) throw new RangeError(`room ${r.id}: seats must be 1 to 16`);
  if (!Number.isInteger(input.sessionMinutes) || input.sessionMinutes < 15) throw new RangeError('sessionMinutes must be whole minutes, 15 or more');
  const ids = new Set<string>();
  const workers = input.roster.map(workerOf);
  for (const w of workers) {
    if (ids.has(w.entry.employeeId)) throw new RangeError(`${w.entry.employeeId} is on the roster twice`);
    ids.add(w.entry.employeeId);
    if (w.from >= w.until) throw new RangeError(`${w.entry.employeeId}: the shift must end after it starts (no shift across midnight)`);
  }
  const { slots, days } = slotsOf(input);
  const booked = input.booked ?? [];
  const trained = new Set([...(input.trained ?? []), ...booked.flatMap((b) => b.employees)]);
  if (input.roster.every((e) => trained.has(e.employeeId)))
    return { sessions: [], days: 0, lastDay: input.firstDay, lowerBound: { days: 0, setBy: { kind: 'seats', detail: 'nobody left to train' } } };
  const roomSeats = input.rooms.map((r) => r.seats).sort((a, b) => b - a);
  const departments = new Map(input.departments.map((d) => [d.id, d]));

  // Who is on the floor, per department and slot, and how many of them may leave it.
  const onFloor = new Map<string, number[]>();
  for (const w of workers) {
    const counts = onFloor.get(w.entry.department) ?? new Array<number>(slots.length).fill(0);
    for (const s of slots) if (works(w, s)) counts[s.index]! += 1;
    onFloor.set(w.entry.department, counts);
  }
  const spare = new Map<string, number[]>();
  for (const [dept, counts] of onFloor)
    spare.set(
      dept,
      counts.map((n, i) => Math.max(0, n - minimumOf(departments.get(dept), slots[i]!))),
    );
  // Booked people leave the floor in their sessions' slots.
  const departmentOf = new Map(input.roster.map((e) => [e.employeeId, e.department]));
  const slotAt = new Map(slots.map((s) => [s.startsAtMs, s.index]));
  for (const b of booked) {
    const index = slotAt.get(Date.parse(b.startsAt));
    if (index === undefined) continue;
    for (const e of b.employees) {
      const counts = spare.get(departmentOf.get(e) ?? '');
      if (counts) counts[index] = Math.max(0, counts[index]! - 1);
    }
  }

  // Groups of interchangeable people (a flow edge per group and slot, not per person).
  const groups = new Map<string, Group>();
  for (const w of [...workers].sort((a, b) => a.entry.employeeId.localeCompare(b.entry.employeeId))) {
    const e = w.entry;
    if (trained.has(e.employeeId)) continue;
    const available = slots.filter((s) => works(w, s) && s.trainers.length > 0).map((s) => s.index);
    const key = `${e.department}|${available.join(',')}`;
    const group = groups.get(key) ?? { department: e.department, employees: [], slots: available, shiftKey: `${e.shift.from}-${e.shift.until}` };
    group.employees.push(e.employeeId);
    groups.set(key, group);
  }
  refuseTheImpossible(input, [...groups.values()], slots, spare);

  const ready = phonesReadyBy(input, slots);
  const lowerBound = boundOf(input, [...groups.values()], slots, days, roomSeats, spare, ready);
  const feasible = (d: number, withLink: boolean, lastSlot = Infinity) => flowWithin(d, [...groups.values()], slots, spare, withLink ? ready : undefined, lastSlot);

  // The fewest days: from the bound up (doubling, then halving back).
  let hi = lowerBound.days;
  let found = feasible(hi, true);
  let step = 1;
  while (!found) {
    if (hi >= days.length) throw explainInfeasible(input, days.length, ready);
    hi = Math.min(days.length, hi + step);
    step *= 2;
    found = feasible(hi, true);
  }
  let lo = Math.max(lowerBound.days, hi - Math.floor(step / 2));
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const attempt = feasible(mid, true);
    if (attempt) {
      hi = mid;
      found = attempt;
    } else lo = mid + 1;
  }
  // Within those days, the earliest last session: nobody waits longer than the plan needs.
  const inDays = slots.filter((s) => s.dayIndex < hi);
  let few = 1;
  let many = inDays.length;
  while (few < many) {
    const mid = Math.floor((few + many) / 2);
    const attempt = feasible(hi, true, inDays[mid - 1]!.index);
    if (attempt) {
      many = mid;
      found = attempt;
    } else few = mid + 1;
  }
  const sessions = sessionsOf(found!, slots);
  const plan: TrainingPlan = { sessions, days: hi, lastDay: days[hi - 1]!, lowerBound };
  if (ready) plan.activation = activationReport(input, found!, feasible, hi, slots, ready);
  return plan;
}

/** A department that can never spare anyone, or an employee with no slot at all: named, before any search. */
function refuseTheImpossible(input: TrainingPlanInput, groups: Group[], slots: Slot[], spare: Map<string, number[]>): void {
  for (const g of groups) {
    if (g.slots.length === 0) {
      throw new TrainingPlanInfeasible(`${g.employees[0]} is never at work in a training slot with a trainer free (shift ${g.shiftKey})`, { employeeId: g.employees[0]! });
    }
    const free = g.slots.filter((s) => spare.get(g.department)![s]! > 0);
    if (free.length === 0) {
      const slot = slots[g.slots[0]!]!;
      const dept = input.departments.find((d) => d.id === g.department);
      throw new TrainingPlanInfeasible(
        `department ${g.department} can never spare anyone for training: in slot ${slotName(slot)} (and every other slot ${g.employees[0]} could attend) it needs ${minimumOf(dept, slot)} on the floor and has no more`,
        { department: g.department, slot: slotName(slot) },
      );
    }
  }
}

/** Phones whose image has passed the link by each slot's start (undefined without activation). */
function phonesReadyBy(input: TrainingPlanInput, slots: Slot[]): number[] | undefined {
  const imaging = imagingOf(input);
  if (!imaging) return undefined;
  const start = Date.parse(input.activation!.startsAt);
  // The phones of people already trained were imaged first.
  const used = new Set(input.trained ?? []).size;
  return slots.map((s) => Math.max(0, Math.floor((s.startsAtMs - start) / imaging.downloadMs) * imaging.concurrency - used));
}

/** A phone's Wi-Fi rate when the input does not say (the release policy's too). */
export const DEFAULT_PHONE_MBPS = 20;

/** How the link images phones: downloads at once, how long each takes; undefined without activation. */
export function imagingOf(input: Pick<TrainingPlanInput, 'activation'>): { concurrency: number; downloadMs: number; phoneMbps: number } | undefined {
  const a = input.activation;
  if (!a) return undefined;
  const phoneMbps = a.phoneMbps ?? DEFAULT_PHONE_MBPS;
  const concurrency = Math.floor((a.uplinkMbps * (a.sharePercent / 100)) / phoneMbps);
  if (concurrency < 1)
    throw new TrainingPlanInfeasible(
      `${a.sharePercent} % of the store's ${a.uplinkMbps} Mbit/s is less than one phone's ${phoneMbps} Mbit/s: a single image download would go over the share`,
      {},
    );
  return { concurrency, downloadMs: Math.ceil((a.imageBytes * 8) / (phoneMbps * 1000)), phoneMbps };
}

interface Flow {
  /** People of each group in each slot. */
  assigned: { group: Group; slot: number; count: number }[];
}

function flowWithin(dayCount: number, groups: Group[], slots: Slot[], spare: Map<string, number[]>, ready: number[] | undefined, lastSlot = Infinity): Flow | undefined {
  const usable = slots.filter((s) => s.dayIndex < dayCount && s.index <= lastSlot);
  const net = new FlowNetwork();
  const source = net.node();
  const sink = net.node();
  const slotNode = new Map<number, number>();
  for (const s of usable) {
    const seats = seatsIn(s);
    if (seats === 0) continue;
    const node = net.node();
    slotNode.set(s.index, node);
    if (!ready) net.edge(node, sink, seats);
  }
  if (ready) {
    // Phones imaged by a slot's start serve it or any later slot: a chain back in time.
    const ordered = usable.filter((s) => slotNode.has(s.index)).sort((a, b) => a.startsAtMs - b.startsAtMs);
    let previous: number | undefined;
    let readyBefore = 0;
    for (const s of ordered) {
      const imaged = net.node();
      net.edge(slotNode.get(s.index)!, imaged, seatsIn(s));
      net.edge(imaged, sink, Math.max(0, ready[s.index]! - readyBefore));
      readyBefore = Math.max(readyBefore, ready[s.index]!);
      if (previous !== undefined) net.edge(imaged, previous, Number.MAX_SAFE_INTEGER);
      previous = imaged;
    }
  }
  const floorNode = new Map<string, number>();
  const edges: { group: Group; slot: number; edge: number }[] = [];
  let people = 0;
  for (const g of groups) {
    people += g.employees.length;
    const gNode = net.node();
    net.edge(source, gNode, g.employees.length);
    for (const s of g.slots) {
      if (!slotNode.has(s)) continue;
      const cap = spare.get(g.department)![s]!;
      if (cap === 0) continue;
      const key = `${g.department}|${s}`;
      let f = floorNode.get(key);
      if (f === undefined) {
        f = net.node();
        floorNode.set(key, f);
        net.edge(f, slotNode.get(s)!, cap);
      }
      edges.push({ group: g, slot: s, edge: net.edge(gNode, f, g.employees.length) });
    }
  }
  if (net.maxFlow(source, sink) < people) return undefined;
  return { assigned: edges.map((e) => ({ group: e.group, slot: e.slot, count: net.flowOn(e.edge) })).filter((a) => a.count > 0) };
}

/** People into sessions: per slot the fewest rooms (largest first), each with a trainer free then. */
function sessionsOf(flow: Flow, slots: Slot[]): PlannedSession[] {
  const bySlot = new Map<number, string[]>();
  const next = new Map<Group, number>();
  for (const a of [...flow.assigned].sort((x, y) => x.slot - y.slot)) {
    const from = next.get(a.group) ?? 0;
    next.set(a.group, from + a.count);
    bySlot.set(a.slot, [...(bySlot.get(a.slot) ?? []), ...a.group.employees.slice(from, from + a.count)]);
  }
  const sessions: PlannedSession[] = [];
  for (const [index, people] of [...bySlot].sort(([a], [b]) => a - b)) {
    const slot = slots[index]!;
    people.sort();
    let taken = 0;
    for (const [i, room] of slot.rooms.entries()) {
      if (taken >= people.length) break;
      const employees = people.slice(taken, taken + room.seats);
      taken += employees.length;
      sessions.push({
        id: `${slot.day}T${hhmm(slot.start)}-${room.id}`,
        day: slot.day,
        start: hhmm(slot.start),
        end: hhmm(slot.end),
        startsAt: new Date(slot.startsAtMs).toISOString(),
        endsAt: new Date(slot.startsAtMs + (slot.end - slot.start) * 60_000).toISOString(),
        room: room.id,
        trainer: slot.trainers[i]!,
        employees,
      });
    }
  }
  return sessions;
}

/**
 * The fewest days no plan can beat, and what sets it: for each shift class (people who can use
 * the same slots) and for everyone, the seats; per department, the people it can spare; each
 * person's first slot; and the link.
 */
function boundOf(
  input: TrainingPlanInput,
  groups: Group[],
  slots: Slot[],
  days: string[],
  roomSeats: number[],
  spare: Map<string, number[]>,
  ready: number[] | undefined,
): TrainingPlan['lowerBound'] {
  let best: TrainingPlan['lowerBound'] = { days: 1, setBy: { kind: 'seats', detail: 'one day at least' } };
  const consider = (daysNeeded: number | undefined, setBy: BoundingConstraint) => {
    if (daysNeeded !== undefined && daysNeeded > best.days) best = { days: daysNeeded, setBy };
  };
  /** The fewest days whose slots (among `within`) add up to `need` of `per(slot)`; undefined: never. */
  const daysFor = (need: number, within: Set<number>, per: (s: Slot) => number): number | undefined => {
    let total = 0;
    for (const s of slots) {
      if (!within.has(s.index)) continue;
      total += per(s);
      if (total >= need) return s.dayIndex + 1;
    }
    return undefined;
  };
  const classes = new Map<string, Group[]>();
  for (const g of groups) classes.set(g.shiftKey, [...(classes.get(g.shiftKey) ?? []), g]);
  const everyone = { name: 'everyone', groups };
  for (const { name, groups: members } of [everyone, ...[...classes].map(([shift, gs]) => ({ name: `the ${shift} shift`, groups: gs }))]) {
    const within = new Set(members.flatMap((g) => g.slots));
    const n = members.reduce((a, g) => a + g.employees.length, 0);
    consider(
      daysFor(n, within, (s) => seatsIn(s)),
      { kind: 'seats', detail: `${n} people of ${name}, ${roomSeats.length} rooms of ${roomSeats.join('+')} seats` },
    );
    const byDept = new Map<string, number>();
    for (const g of members) byDept.set(g.department, (byDept.get(g.department) ?? 0) + g.employees.length);
    for (const [dept, h] of byDept) {
      const deptSlots = new Set(members.filter((g) => g.department === dept).flatMap((g) => g.slots));
      consider(
        daysFor(h, deptSlots, (s) => spare.get(dept)![s.index]!),
        {
          kind: 'floor',
          department: dept,
          detail: `${h} people of ${dept} in ${name}, of whom only as many may leave the floor at once as stay above its minimum of ${input.departments.find((d) => d.id === dept)?.minOnFloor ?? 0}`,
        },
      );
    }
  }
  for (const g of groups) {
    const first = slots[g.slots[0]!]!;
    consider(first.dayIndex + 1, { kind: 'availability', employeeId: g.employees[0]!, detail: `${g.employees[0]} is first at work in a training slot on ${first.day}` });
  }
  if (ready) {
    // The last session starts once every phone is imaged.
    const n = groups.reduce((a, g) => a + g.employees.length, 0);
    const allImaged = slots.find((x) => ready[x.index]! >= n);
    consider(allImaged ? allImaged.dayIndex + 1 : days.length + 1, {
      kind: 'uplink',
      detail: `${n} images of ${(input.activation!.imageBytes / 1e9).toFixed(2)} GB over ${input.activation!.sharePercent} % of ${input.activation!.uplinkMbps} Mbit/s`,
    });
  }
  return best;
}

/** Why no plan fits in the horizon: the tightest constraint at its end. */
/** The people a plan is for: the roster but those already trained. */
const toTrain = (input: TrainingPlanInput) => input.roster.length - new Set([...(input.trained ?? []), ...(input.booked ?? []).flatMap((b) => b.employees)]).size;

function explainInfeasible(input: TrainingPlanInput, dayCount: number, ready: number[] | undefined): TrainingPlanInfeasible {
  const horizon = input.horizonDays ?? 90;
  if (ready && ready.at(-1)! < toTrain(input)) {
    return new TrainingPlanInfeasible(
      `the store link cannot image ${toTrain(input)} phones within ${horizon} days at ${input.activation!.sharePercent} % of ${input.activation!.uplinkMbps} Mbit/s`,
      {},
    );
  }
  return new TrainingPlanInfeasible(
    `no plan trains all ${toTrain(input)} people within ${dayCount} training days (${horizon} calendar days): too few seats, trainers or spare staff`,
    {},
  );
}

/** How the link shaped the plan: what it images per hour, and the sessions it pushed later. */
function activationReport(
  input: TrainingPlanInput,
  withLink: Flow,
  feasible: (d: number, withLink: boolean) => Flow | undefined,
  dayCount: number,
  slots: Slot[],
  ready: number[],
): NonNullable<TrainingPlan['activation']> {
  const a = input.activation!;
  const imaging = imagingOf(input)!;
  const phonesPerHour = (imaging.concurrency * 3_600_000) / imaging.downloadMs;
  // The trained ones' phones came first.
  const lastImagedAt = new Date(Date.parse(a.startsAt) + Math.ceil(input.roster.length / imaging.concurrency) * imaging.downloadMs).toISOString();
  // Without the link, in its own fewest days: where people would sit; what the link emptied it moved.
  let free: Flow | undefined;
  for (let d = 1; d <= dayCount && !free; d++) free = feasible(d, false);
  const countBySlot = (f: Flow | undefined) => {
    const m = new Map<number, number>();
    for (const x of f?.assigned ?? []) m.set(x.slot, (m.get(x.slot) ?? 0) + x.count);
    return m;
  };
  const linked = countBySlot(withLink);
  const unlinked = countBySlot(free);
  const movedByLink: NonNullable<TrainingPlan['activation']>['movedByLink'] = [];
  // A slot is moved by the link only where the plan without it would need more phones by then
  // than the link has imaged: the two plans may also differ where the link binds nothing.
  let wantedSoFar = 0;
  for (const s of [...slots].sort((x, y) => x.startsAtMs - y.startsAtMs)) {
    const wanted = unlinked.get(s.index) ?? 0;
    const got = linked.get(s.index) ?? 0;
    wantedSoFar += wanted;
    if (wanted > got && wantedSoFar > ready[s.index]!) {
      movedByLink.push({
        day: s.day,
        start: hhmm(s.start),
        people: wanted - got,
        reason: `only ${ready[s.index]} phones are imaged by then (${phonesPerHour.toFixed(1)} an hour over ${a.sharePercent} % of ${a.uplinkMbps} Mbit/s)`,
      });
    }
  }
  return { phonesPerHour: Math.round(phonesPerHour * 10) / 10, lastImagedAt, movedByLink };
}

/**
 * The no-shows of a session, placed around the sessions already announced (`booked`: their
 * rooms, trainers and people stay as they are) from `notBefore` on; everyone else is trained or booked.
 */
export function placeNoShows(input: TrainingPlanInput, noShows: Iterable<string>, booked: NonNullable<TrainingPlanInput['booked']>, notBefore: string): TrainingPlan {
  const again = new Set(noShows);
  const bookedPeople = new Set(booked.flatMap((b) => b.employees));
  const trained = input.roster.map((e) => e.employeeId).filter((id) => !again.has(id) && !bookedPeople.has(id));
  return planTraining({ ...input, trained, booked, notBefore });
}

/**
 * The rest of a rollout after a change (no-shows, a session cancelled, a room lost, the roster
 * changed): the people not yet trained, in sessions from `notBefore` on, under the constraints
 * as they are now. Sessions already held stay as they were: they are not part of the answer.
 */
export function replanTraining(input: TrainingPlanInput, trained: Iterable<string>, notBefore: string): TrainingPlan {
  return planTraining({ ...input, trained: [...new Set([...(input.trained ?? []), ...trained])], notBefore });
}

/** A slot where sessions take more of a department off the floor than it can spare. */
export interface FloorBreach {
  startsAt: string;
  department: string;
  minimum: number;
  /** Of the department, at work in that slot (those in training included). */
  atWork: number;
  /** Of them, in a session then. */
  inTraining: string[];
  /** How many of those must leave their session for the floor to hold its minimum. */
  over: number;
}

/**
 * The slots where these sessions leave a department below its minimum under the roster as it is
 * now: sessions planned under an earlier roster may (someone of the department left, and fewer
 * stay on the floor than the plan counted on). Only slots with someone of the department in
 * training count: a department short-handed with nobody away is not the training's doing.
 */
export function floorBreaches(
  input: Pick<TrainingPlanInput, 'roster' | 'departments'>,
  sessions: Pick<PlannedSession, 'day' | 'start' | 'end' | 'startsAt' | 'employees'>[],
): FloorBreach[] {
  const workers = input.roster.map(workerOf);
  const byId = new Map(workers.map((w) => [w.entry.employeeId, w]));
  const bySlot = new Map<string, typeof sessions>();
  for (const s of sessions) bySlot.set(s.startsAt, [...(bySlot.get(s.startsAt) ?? []), s]);
  const breaches: FloorBreach[] = [];
  for (const [startsAt, inSlot] of [...bySlot].sort(([a], [b]) => a.localeCompare(b))) {
    const first = inSlot[0]!;
    const slot = { day: first.day, start: minutes(first.start), end: minutes(first.end), weekday: weekdayOf(first.day) };
    for (const dept of input.departments) {
      const atWork = workers.filter((w) => w.entry.department === dept.id && works(w, slot));
      const inTraining = inSlot
        .flatMap((s) => s.employees)
        .filter((e) => {
          const w = byId.get(e);
          return w !== undefined && w.entry.department === dept.id && works(w, slot);
        })
        .sort();
      const minimum = minimumOf(dept, slot);
      const left = atWork.length - inTraining.length;
      if (inTraining.length > 0 && left < minimum)
        breaches.push({ startsAt, department: dept.id, minimum, atWork: atWork.length, inTraining, over: Math.min(inTraining.length, minimum - left) });
    }
  }
  return breaches;
}

/** How the rest of a rollout looks after a change (replanAfterChange). */
export interface ChangedPlan {
  /** New sessions, for the people who had to move (ids as the planner makes them). */
  sessions: PlannedSession[];
  /** Booked sessions planned again with them (only when they did not fit around): to cancel. */
  replaced: string[];
  /** People taken out of booked sessions that stay (their department's floor would break otherwise). */
  withdrawn: { sessionId: string; employees: string[] }[];
  /** Who fits nowhere, and why. */
  unplaced: { employeeId: string; reason: string }[];
  /**
   * `placed`: around every booked session (nobody else moves); `replanned`: with the booked
   * sessions from `notBefore` on (they did not fit around them); `none`: nobody had to move.
   */
  how: 'placed' | 'replanned' | 'none';
}

/**
 * The people a change to a running rollout moves (`toPlace`: a cancelled session's, a lost
 * room's, new hires), planned under the constraints as changed (`input`: a room removed, the
 * roster changed), with `booked` every session still to be held that stays (those under way
 * too); sessions starting after `now` may still change, none starts before `notBefore`.
 *
 * Fewest people disturbed first: someone's leaving may leave a booked session taking more of a
 * department off the floor than it can spare, and then only as many as the floor is short leave
 * it (the last by id); everyone who must move is placed around the booked sessions (placeNoShows),
 * so nobody already invited moves. Only when they do not fit around them are the booked sessions
 * from `notBefore` on planned again with them (replanTraining), a session the new plan has exactly
 * as before staying as it is. Who fits nowhere is returned with why.
 */
export function replanAfterChange(input: TrainingPlanInput, toPlace: Iterable<string>, booked: PlannedSession[], notBefore: string, now: string): ChangedPlan {
  const moving = new Set<string>();
  for (const breach of floorBreaches(
    input,
    booked.filter((s) => s.startsAt > now),
  ))
    for (const e of breach.inTraining.slice(-breach.over)) moving.add(e);
  const withdrawn: ChangedPlan['withdrawn'] = [];
  const stay = booked.map((s) => {
    const out = s.startsAt > now ? s.employees.filter((e) => moving.has(e)) : [];
    if (out.length === 0) return s;
    withdrawn.push({ sessionId: s.id, employees: out });
    return { ...s, employees: s.employees.filter((e) => !moving.has(e)) };
  });
  const people = [...new Set([...toPlace, ...moving])].sort();
  if (people.length === 0) return { sessions: [], replaced: [], withdrawn, unplaced: [], how: 'none' };
  // A session emptied by the withdrawals is booked no more (the rollout cancels it).
  const kept = stay.filter((s) => s.employees.length > 0);
  const infeasible = (err: unknown) => err instanceof TrainingPlanInfeasible || err instanceof RangeError;
  // A department that can spare nobody any more (someone of it left), or someone never at work
  // in a slot, is no reason to leave the others unplaced: those are set aside, named, and the rest
  // placed. Only when they cannot be placed even with nothing booked: a refusal the booked
  // sessions cause (their trainers, their people off the floor) is the re-plan's to solve.
  const departmentOf = new Map(input.roster.map((e) => [e.employeeId, e.department]));
  const impossibleAnyway = (who: string[]) => {
    try {
      placeNoShows(input, who, [], notBefore);
      return false;
    } catch (err) {
      if (infeasible(err)) return true;
      throw err;
    }
  };
  const unplaced: ChangedPlan['unplaced'] = [];
  let rest = people;
  for (;;) {
    if (rest.length === 0) return { sessions: [], replaced: [], withdrawn, unplaced, how: 'placed' };
    try {
      return { sessions: placeNoShows(input, rest, kept, notBefore).sessions, replaced: [], withdrawn, unplaced, how: 'placed' };
    } catch (err) {
      if (!infeasible(err)) throw err;
      const where = err instanceof TrainingPlanInfeasible ? err.where : {};
      const out = rest.filter((e) => e === where.employeeId || (where.department !== undefined && departmentOf.get(e) === where.department));
      if (out.length === 0 || !impossibleAnyway(out)) break;
      unplaced.push(...out.map((employeeId) => ({ employeeId, reason: (err as Error).message })));
      rest = rest.filter((e) => !out.includes(e));
    }
  }
  const movable = kept.filter((s) => s.startsAt >= notBefore);
  const again = new Set([...rest, ...movable.flatMap((s) => s.employees)]);
  try {
    const plan = replanTraining(
      input,
      input.roster.map((e) => e.employeeId).filter((id) => !again.has(id)),
      notBefore,
    );
    const same = (a: PlannedSession, b: PlannedSession) =>
      a.startsAt === b.startsAt && a.room === b.room && a.trainer === b.trainer && [...a.employees].sort().join() === [...b.employees].sort().join();
    const unchanged = movable.filter((m) => plan.sessions.some((n) => same(m, n)));
    return {
      sessions: plan.sessions.filter((n) => !unchanged.some((m) => same(m, n))),
      replaced: movable.filter((m) => !unchanged.includes(m)).map((m) => m.id),
      withdrawn,
      unplaced,
      how: 'replanned',
    };
  } catch (err) {
    if (!infeasible(err)) throw err;
    // Neither way: the booked sessions stay as they are, and support places these people by hand.
    return { sessions: [], replaced: [], withdrawn, unplaced: [...unplaced, ...rest.map((employeeId) => ({ employeeId, reason: (err as Error).message }))], how: 'replanned' };
  }
}
