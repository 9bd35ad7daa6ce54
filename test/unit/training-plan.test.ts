// The training planner (issue 10 §1) on random stores: every plan trains each employee exactly
// once, in a slot of their own shift on a day they work, never more than a room's seats, one
// session per room and per trainer at a time, no department below its floor minimum; without
// availability limits it needs exactly the closed-form bound of days; a store that can never
// spare a department is refused naming it and the slot.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  floorBreaches,
  placeNoShows,
  planTraining,
  replanAfterChange,
  replanTraining,
  TrainingPlanInfeasible,
  WEEKDAYS,
  type TrainingPlan,
  type TrainingPlanInput,
} from '../../src/domain/training-plan.ts';

const mins = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));
const weekday = (date: string) => WEEKDAYS[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7]!;

/** Everything a plan must respect, checked from the input alone. */
function expectValid(input: TrainingPlanInput, plan: TrainingPlan) {
  const seen = plan.sessions.flatMap((s) => s.employees);
  const trained = new Set(input.trained ?? []);
  expect(seen.sort()).toEqual(
    input.roster
      .map((e) => e.employeeId)
      .filter((id) => !trained.has(id))
      .sort(),
  );
  const rooms = new Map(input.rooms.map((r) => [r.id, r.seats]));
  const roster = new Map(input.roster.map((e) => [e.employeeId, e]));
  const slots = new Map<string, typeof plan.sessions>();
  for (const s of plan.sessions) {
    expect(s.employees.length).toBeGreaterThan(0);
    expect(s.employees.length).toBeLessThanOrEqual(rooms.get(s.room)!);
    expect(input.trainingDays ?? WEEKDAYS).toContain(weekday(s.day));
    const trainer = input.trainers.find((t) => t.id === s.trainer)!;
    if (trainer.availability?.weekdays) expect(trainer.availability.weekdays).toContain(weekday(s.day));
    if (trainer.availability?.unavailable) expect(trainer.availability.unavailable).not.toContain(s.day);
    for (const id of s.employees) {
      const e = roster.get(id)!;
      expect(mins(e.shift.from) <= mins(s.start) && mins(s.end) <= mins(e.shift.until), `${id} at ${s.start} outside ${e.shift.from}-${e.shift.until}`).toBe(true);
      expect(e.daysOff ?? []).not.toContain(weekday(s.day));
      expect(e.unavailable ?? []).not.toContain(s.day);
    }
    const key = `${s.day} ${s.start}`;
    slots.set(key, [...(slots.get(key) ?? []), s]);
  }
  for (const [key, sessions] of slots) {
    // One session per room and per trainer at a time.
    expect(new Set(sessions.map((s) => s.room)).size).toBe(sessions.length);
    expect(new Set(sessions.map((s) => s.trainer)).size).toBe(sessions.length);
    // The floor: who works then, minus who is in training, never below the minimum.
    const [day, start] = key.split(' ') as [string, string];
    const end = sessions[0]!.end;
    const inTraining = new Set(sessions.flatMap((s) => s.employees));
    for (const dept of input.departments) {
      const working = input.roster.filter(
        (e) =>
          e.department === dept.id &&
          mins(e.shift.from) <= mins(start) &&
          mins(end) <= mins(e.shift.until) &&
          !(e.daysOff ?? []).includes(weekday(day)) &&
          !(e.unavailable ?? []).includes(day),
      );
      const left = working.filter((e) => !inTraining.has(e.employeeId)).length;
      const trained = working.length - left;
      if (trained > 0) expect(left, `${dept.id} at ${key}`).toBeGreaterThanOrEqual(dept.minOnFloor);
    }
  }
  expect(plan.days).toBeGreaterThanOrEqual(plan.lowerBound.days);
}

const DEPTS = ['SALES', 'CASH', 'STOCK', 'OFFICE'];
/** Shift classes that do not overlap, each a whole number of sessions long. */
const CLASSES = [
  { from: '08:00', until: '14:00' },
  { from: '14:00', until: '20:00' },
];
const base = (over: Partial<TrainingPlanInput>): TrainingPlanInput => ({
  timeZone: 'Europe/Moscow',
  firstDay: '2027-01-11',
  sessionMinutes: 60,
  openingHours: { from: '08:00', until: '20:00' },
  rooms: [{ id: 'R1', seats: 16 }],
  trainers: [{ id: 'T1' }],
  departments: DEPTS.map((id) => ({ id, minOnFloor: 1 })),
  roster: [],
  ...over,
});

/** A store without availability limits: everyone works every training day in one of the classes. */
const unlimitedStore = fc
  .record({
    people: fc.array(fc.record({ dept: fc.integer({ min: 0, max: 3 }), cls: fc.integer({ min: 0, max: 1 }) }), { minLength: 1, maxLength: 400 }),
    minimums: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 4, maxLength: 4 }),
    rooms: fc.array(fc.integer({ min: 4, max: 16 }), { minLength: 1, maxLength: 3 }),
    sessionMinutes: fc.constantFrom(60, 90, 120),
  })
  .map(({ people, minimums, rooms, sessionMinutes }) => {
    const roster = people.map((p, i) => ({ employeeId: `E${String(i).padStart(4, '0')}`, department: DEPTS[p.dept]!, shift: CLASSES[p.cls]! }));
    // A minimum each department can meet and still spare someone (h_d - m_d >= 1 in each class).
    const departments = DEPTS.map((id, d) => {
      const smallest = Math.min(...CLASSES.map((_, c) => people.filter((p) => p.dept === d && p.cls === c).length).filter((n) => n > 0));
      return { id, minOnFloor: Number.isFinite(smallest) ? Math.min(minimums[d]!, smallest - 1) : 0 };
    });
    return base({
      roster,
      departments,
      sessionMinutes,
      openingHours: { from: '08:00', until: '20:00' },
      rooms: rooms.map((seats, i) => ({ id: `R${i + 1}`, seats })),
      trainers: rooms.map((_, i) => ({ id: `T${i + 1}` })),
    });
  });

/** The closed form: per shift class, max(ceil(N / seats per slot), max_d ceil(h_d / (h_d - m_d))) slots, over its slots per day. */
function closedFormDays(input: TrainingPlanInput): number {
  const seats = input.rooms.reduce((a, r) => a + r.seats, 0);
  let days = 1;
  for (const cls of CLASSES) {
    const people = input.roster.filter((e) => e.shift === cls);
    if (people.length === 0) continue;
    let slots = Math.ceil(people.length / seats);
    for (const d of input.departments) {
      const h = people.filter((e) => e.department === d.id).length;
      if (h > 0) slots = Math.max(slots, Math.ceil(h / (h - d.minOnFloor)));
    }
    const perDay = Math.floor((mins(cls.until) - mins(cls.from)) / input.sessionMinutes);
    days = Math.max(days, Math.ceil(slots / perDay));
  }
  return days;
}

describe('the training plan', () => {
  it('without availability limits takes exactly the closed-form bound of days, and respects every rule', () => {
    fc.assert(
      fc.property(unlimitedStore, (input) => {
        const plan = planTraining(input);
        expectValid(input, plan);
        expect(plan.lowerBound.days).toBe(closedFormDays(input));
        expect(plan.days).toBe(plan.lowerBound.days);
      }),
      { numRuns: 60 },
    );
  });

  it('with days off, leave, trainers who work some days and uneven minimums: every rule holds and no plan exists in a day less', () => {
    // Departments of 6 to 30 per shift class (or none), minimums of 1 to 3 (more at midday),
    // two weekdays off at most and a few days away each.
    const person = fc.record({ off: fc.subarray([...WEEKDAYS], { maxLength: 2 }), away: fc.subarray(['2027-01-11', '2027-01-12', '2027-01-13', '2027-01-14'], { maxLength: 2 }) });
    const store = fc
      .record({
        teams: fc.array(fc.oneof(fc.constant([]), fc.array(person, { minLength: 6, maxLength: 30 })), { minLength: 8, maxLength: 8 }),
        minimums: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 4, maxLength: 4 }),
        trainerDays: fc.array(fc.subarray([...WEEKDAYS], { minLength: 3 }), { minLength: 1, maxLength: 3 }),
        peak: fc.integer({ min: 0, max: 2 }),
      })
      .map(({ teams, minimums, trainerDays, peak }) =>
        base({
          roster: teams.flatMap((people, t) =>
            people.map((p, i) => ({
              employeeId: `E${t}-${String(i).padStart(2, '0')}`,
              department: DEPTS[t % 4]!,
              shift: CLASSES[Math.floor(t / 4)]!,
              daysOff: p.off,
              unavailable: p.away,
            })),
          ),
          departments: DEPTS.map((id, d) => ({ id, minOnFloor: minimums[d]!, bySlot: [{ from: '12:00', until: '14:00', min: minimums[d]! + peak }] })),
          rooms: trainerDays.map((_, i) => ({ id: `R${i + 1}`, seats: 12 })),
          trainers: trainerDays.map((weekdays, i) => ({ id: `T${i + 1}`, availability: { weekdays } })),
        }),
      )
      .filter((input) => input.roster.length > 0);
    let planned = 0;
    let optimalChecked = 0;
    fc.assert(
      fc.property(store, (input) => {
        let plan: TrainingPlan;
        try {
          plan = planTraining(input);
        } catch (err) {
          // A department too small to spare anyone is refused, naming it; nothing else is.
          expect(err).toBeInstanceOf(TrainingPlanInfeasible);
          expect((err as TrainingPlanInfeasible).where.department ?? (err as TrainingPlanInfeasible).where.employeeId).toBeDefined();
          return;
        }
        expectValid(input, plan);
        planned += 1;
        if (plan.days > 1) {
          // Optimal: the same store with the training days cut to one less has no plan.
          const cut = { ...input, horizonDays: dayOffset(input.firstDay, plan.lastDay) };
          expect(() => planTraining(cut)).toThrow(TrainingPlanInfeasible);
          optimalChecked += 1;
        }
      }),
      { numRuns: 40 },
    );
    // The generator makes stores that can be planned, most of them over several days.
    expect(planned).toBeGreaterThanOrEqual(30);
    expect(optimalChecked).toBeGreaterThanOrEqual(20);
  });

  it('a re-plan after sessions were held (some people did not come) trains exactly the rest, from then on, by every rule', () => {
    fc.assert(
      fc.property(unlimitedStore, fc.nat(), fc.double({ min: 0, max: 0.5, noNaN: true }), (input, cutAt, noShowShare) => {
        const plan = planTraining(input);
        const starts = [...new Set(plan.sessions.map((s) => s.startsAt))].sort();
        const cut = starts[cutAt % starts.length]!;
        const held = plan.sessions.filter((s) => s.startsAt < cut);
        const invited = held.flatMap((s) => s.employees);
        const noShows = new Set(invited.filter((_, i) => i < invited.length * noShowShare));
        const trained = invited.filter((id) => !noShows.has(id));
        const rest = replanTraining(input, trained, cut);
        // Everyone once: trained before the cut or in the new plan, and nobody twice.
        const again = rest.sessions.flatMap((s) => s.employees);
        expect([...trained, ...again].sort()).toEqual(input.roster.map((e) => e.employeeId).sort());
        for (const s of rest.sessions) expect(s.startsAt >= cut).toBe(true);
        expectValid({ ...input, trained }, rest);
      }),
      { numRuns: 40 },
    );
  });

  it("a session's no-shows are placed around the sessions already announced: those keep their rooms, trainers and people, and together they keep every rule", () => {
    fc.assert(
      fc.property(unlimitedStore, fc.nat(), fc.double({ min: 0.01, max: 1, noNaN: true }), (input, cutAt, noShowShare) => {
        const plan = planTraining(input);
        const starts = [...new Set(plan.sessions.map((s) => s.startsAt))].sort();
        const cut = starts[cutAt % starts.length]!;
        const held = plan.sessions.filter((s) => s.startsAt < cut);
        const booked = plan.sessions.filter((s) => s.startsAt >= cut);
        const invited = held.flatMap((s) => s.employees);
        const noShows = invited.filter((_, i) => i < Math.ceil(invited.length * noShowShare));
        const placed = placeNoShows(input, noShows, booked, cut);
        expect(placed.sessions.flatMap((s) => s.employees).sort()).toEqual([...noShows].sort());
        for (const s of placed.sessions) expect(s.startsAt >= cut).toBe(true);
        const trained = invited.filter((id) => !noShows.includes(id));
        // The booked and the placed sessions together: rooms and trainers once per slot, floors kept, everyone left once.
        expectValid({ ...input, trained }, { ...placed, days: Number.MAX_SAFE_INTEGER, sessions: [...booked, ...placed.sessions] });
      }),
      { numRuns: 40 },
    );
  });

  it('after people leave and new ones are hired mid-rollout, the rest keeps every rule under the new roster: the leavers in no session, everyone else once, the booked sessions kept but for whom the floor sends back', () => {
    fc.assert(
      fc.property(
        unlimitedStore,
        fc.boolean(),
        fc.nat(),
        fc.double({ min: 0, max: 0.25, noNaN: true }),
        fc.integer({ min: 0, max: 3 }),
        (tight, loose, cutAt, leaveShare, hires) => {
          // The generator's minimums leave one to spare in the smallest class: anyone of it leaving
          // makes the department unable to spare anyone (all its people to train are placed nowhere).
          // Halved, the floor sends a few back and they are placed later.
          const input = loose ? { ...tight, departments: tight.departments.map((d) => ({ ...d, minOnFloor: Math.floor(d.minOnFloor / 2) })) } : tight;
          const plan = planTraining(input);
          const starts = [...new Set(plan.sessions.map((s) => s.startsAt))].sort();
          const cut = starts[cutAt % starts.length]!;
          const held = plan.sessions.filter((s) => s.startsAt < cut);
          const leavers = new Set(input.roster.filter((_, i) => i < input.roster.length * leaveShare).map((e) => e.employeeId));
          const hired = Array.from({ length: hires }, (_, i) => ({ employeeId: `NEW${i}`, department: DEPTS[i % 4]!, shift: CLASSES[i % 2]! }));
          const roster = [...input.roster.filter((e) => !leavers.has(e.employeeId)), ...hired];
          // As the rollout does: the leavers' seats freed first.
          const booked = plan.sessions
            .filter((s) => s.startsAt >= cut)
            .map((s) => ({ ...s, employees: s.employees.filter((e) => !leavers.has(e)) }))
            .filter((s) => s.employees.length > 0);
          const now = new Date(Date.parse(cut) - 1).toISOString();
          const changed = replanAfterChange(
            { ...input, roster },
            hired.map((e) => e.employeeId),
            booked,
            cut,
            now,
          );
          const withdrawn = new Set(changed.withdrawn.flatMap((w) => w.employees));
          const stays = booked
            .filter((s) => !changed.replaced.includes(s.id))
            .map((s) => ({ ...s, employees: s.employees.filter((e) => !withdrawn.has(e)) }))
            .filter((s) => s.employees.length > 0);
          for (const s of changed.sessions) expect(s.startsAt >= cut).toBe(true);
          if (changed.how === 'placed') expect(changed.replaced).toEqual([]);
          // Trained before the cut (and still here), or placed nowhere (with why): in no session; everyone else once, every rule kept.
          const trained = [...held.flatMap((s) => s.employees).filter((e) => !leavers.has(e)), ...changed.unplaced.map((u) => u.employeeId)];
          expectValid({ ...input, roster, trained }, { ...plan, days: Number.MAX_SAFE_INTEGER, sessions: [...stays, ...changed.sessions] });
          expect(floorBreaches({ roster, departments: input.departments }, [...stays, ...changed.sessions])).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('plans the sessions not yet held again only when the people who must move do not fit around them, keeping a session the new plan has as before', () => {
    const input = base({
      horizonDays: 1,
      openingHours: { from: '08:00', until: '10:00' },
      rooms: [{ id: 'R1', seats: 2 }],
      departments: [{ id: 'SALES', minOnFloor: 0 }],
      roster: ['A', 'B', 'C', 'D'].map((employeeId) => ({ employeeId, department: 'SALES', shift: CLASSES[0]! })),
    });
    // Booked: A and B at 08:00, C at 09:00 (Moscow: UTC+3).
    const session = (start: string, employees: string[]) => ({
      id: `2027-01-11T${start}-R1`,
      day: '2027-01-11',
      start,
      end: `${String(Number(start.slice(0, 2)) + 1).padStart(2, '0')}:00`,
      startsAt: new Date(Date.parse(`2027-01-11T${start}:00+03:00`)).toISOString(),
      endsAt: new Date(Date.parse(`2027-01-11T${start}:00+03:00`) + 3_600_000).toISOString(),
      room: 'R1',
      trainer: 'T1',
      employees,
    });
    const eight = session('08:00', ['A', 'B']);
    const nine = session('09:00', ['C']);
    // D, hired: the one room is booked in both slots of the only day, so around them it cannot be.
    expect(() => placeNoShows(input, ['D'], [eight, nine], eight.startsAt)).toThrow(TrainingPlanInfeasible);
    const changed = replanAfterChange(input, ['D'], [eight, nine], eight.startsAt, new Date(Date.parse(eight.startsAt) - 1).toISOString());
    expect(changed).toMatchObject({ how: 'replanned', replaced: [nine.id], withdrawn: [], unplaced: [] });
    expect(changed.sessions.map((s) => [s.start, s.employees])).toEqual([['09:00', ['C', 'D']]]);
    // Nobody can be placed when there is no seat at all: the plan stays, they are named with why.
    const full = replanAfterChange(
      { ...input, roster: [...input.roster, { employeeId: 'E', department: 'SALES', shift: CLASSES[0]! }] },
      ['D', 'E'],
      [eight, nine],
      eight.startsAt,
      eight.startsAt,
    );
    expect(full.sessions).toEqual([]);
    expect(full.replaced).toEqual([]);
    expect(full.unplaced.map((u) => u.employeeId)).toEqual(['D', 'E']);
    expect(full.unplaced[0]!.reason).toMatch(/no plan trains all/);
  });

  it('names the slots where sessions take more of a department off the floor than the roster now spares, and how many must go back', () => {
    const roster = ['S1', 'S2', 'S3', 'S4', 'S5'].map((employeeId) => ({ employeeId, department: 'SALES', shift: CLASSES[0]! }));
    const session = { day: '2027-01-11', start: '08:00', end: '09:00', startsAt: '2027-01-11T05:00:00.000Z', employees: ['S3', 'S1', 'S2'] };
    const departments = [{ id: 'SALES', minOnFloor: 3 }];
    expect(floorBreaches({ roster, departments }, [session])).toEqual([
      { startsAt: session.startsAt, department: 'SALES', minimum: 3, atWork: 5, inTraining: ['S1', 'S2', 'S3'], over: 1 },
    ]);
    expect(floorBreaches({ roster: [...roster, { employeeId: 'S6', department: 'SALES', shift: CLASSES[0]! }], departments }, [session])).toEqual([]);
    // Someone not at work then is neither on the floor nor taken from it.
    expect(floorBreaches({ roster: [...roster, { employeeId: 'S6', department: 'SALES', shift: CLASSES[1]! }], departments }, [session])).toHaveLength(1);
  });

  it('refuses a store where a department can never spare anyone, naming the department and a slot', () => {
    const input = base({
      roster: [
        { employeeId: 'E1', department: 'CASH', shift: CLASSES[0]! },
        { employeeId: 'E2', department: 'CASH', shift: CLASSES[0]! },
        { employeeId: 'E3', department: 'SALES', shift: CLASSES[0]! },
      ],
      departments: [
        { id: 'CASH', minOnFloor: 2 },
        { id: 'SALES', minOnFloor: 0 },
      ],
    });
    expect(() => planTraining(input)).toThrow(/department CASH can never spare anyone for training: in slot 2027-01-11 08:00/);
    try {
      planTraining(input);
    } catch (err) {
      expect((err as TrainingPlanInfeasible).where).toEqual({ department: 'CASH', slot: '2027-01-11 08:00' });
    }
  });

  it('names the seats as the bound when the rooms set it, and the floor when a department does', () => {
    const people = (n: number, department: string) => Array.from({ length: n }, (_, i) => ({ employeeId: `${department}${i}`, department, shift: CLASSES[0]! }));
    const seats = planTraining(base({ roster: people(200, 'SALES'), departments: [{ id: 'SALES', minOnFloor: 0 }] }));
    expect(seats.lowerBound.setBy.kind).toBe('seats');
    expect(seats.days).toBe(Math.ceil(200 / 16 / 6));
    // And as early as it can: 13 sessions in the first 13 slots, the last at 08:00 on the third day.
    expect(
      seats.sessions
        .map((s) => `${s.day} ${s.start}`)
        .sort()
        .at(-1),
    ).toBe('2027-01-13 08:00');
    const floor = planTraining(base({ roster: people(20, 'CASH'), departments: [{ id: 'CASH', minOnFloor: 18 }] }));
    expect(floor.lowerBound.setBy).toMatchObject({ kind: 'floor', department: 'CASH' });
    // Two may leave at a time: 10 slots, 6 a day.
    expect(floor.days).toBe(2);
  });

  it("plans around the link: a session's phones are imaged before it starts, and the plan says which sessions the link moved", () => {
    const roster = Array.from({ length: 96 }, (_, i) => ({ employeeId: `E${String(i).padStart(3, '0')}`, department: 'SALES', shift: CLASSES[0]! }));
    const input = base({ roster, departments: [{ id: 'SALES', minOnFloor: 0 }] });
    expect(planTraining(input).days).toBe(1);
    // 10 Mbit/s at 50 %, phones at 5 Mbit/s: one 1 GB image at a time, each 26.7 minutes, 2.25 an hour; imaging starts at 06:00 on the first day.
    const slow = planTraining({ ...input, activation: { startsAt: '2027-01-11T06:00:00+03:00', imageBytes: 1e9, uplinkMbps: 10, sharePercent: 50, phoneMbps: 5 } });
    expect(slow.activation!.phonesPerHour).toBe(2.3);
    expect(slow.days).toBeGreaterThan(1);
    expect(slow.lowerBound.setBy.kind).toBe('uplink');
    expect(slow.activation!.movedByLink.length).toBeGreaterThan(0);
    expect(slow.activation!.movedByLink[0]!.reason).toMatch(/phones are imaged by then/);
    // Every session's people have their phones imaged by its start: the n-th phone at n x 26.7 min.
    const msPerPhone = (1e9 * 8) / ((10e6 * 0.5) / 1000);
    let imaged = 0;
    for (const s of [...slow.sessions].sort((a, b) => a.startsAt.localeCompare(b.startsAt))) {
      imaged += s.employees.length;
      expect(Date.parse(s.startsAt) - Date.parse('2027-01-11T06:00:00+03:00')).toBeGreaterThanOrEqual(imaged * msPerPhone - 1);
    }
    expectValid(input, slow);
  });

  it('images whole downloads at the phone rate, as many at once as fit in the share, and refuses a share below one phone', () => {
    const roster = Array.from({ length: 10 }, (_, i) => ({ employeeId: `E${String(i).padStart(3, '0')}`, department: 'SALES', shift: CLASSES[0]! }));
    const input = base({ roster, departments: [{ id: 'SALES', minOnFloor: 0 }] });
    const activation = { startsAt: '2027-01-11T06:00:00+03:00', imageBytes: 1e9, uplinkMbps: 100, sharePercent: 30 };
    // 30 of 100 Mbit/s holds one 20 Mbit/s download, not one and a half: 400 s an image, 9 an hour.
    expect(planTraining({ ...input, activation }).activation!.phonesPerHour).toBe(9);
    expect(planTraining({ ...input, activation: { ...activation, phoneMbps: 10 } }).activation!.phonesPerHour).toBe(13.5); // three at once, 800 s each
    expect(() => planTraining({ ...input, activation: { ...activation, sharePercent: 10 } })).toThrow(/less than one phone's 20 Mbit\/s/);
  });

  it('a link that images every phone in time moves no session, even where the plan differs from the one without it', () => {
    // Two departments with floor minimums: many plans take the fewest days; the link binds none of them.
    const roster = [
      ...Array.from({ length: 15 }, (_, i) => ({ employeeId: `F${String(i).padStart(2, '0')}`, department: 'FLOOR', shift: CLASSES[0]! })),
      ...Array.from({ length: 9 }, (_, i) => ({ employeeId: `C${String(i).padStart(2, '0')}`, department: 'CHECKOUT', shift: CLASSES[0]! })),
    ];
    const input = base({
      roster,
      rooms: [{ id: 'R1', seats: 8 }],
      departments: [
        { id: 'FLOOR', minOnFloor: 10 },
        { id: 'CHECKOUT', minOnFloor: 6 },
      ],
    });
    const plan = planTraining({ ...input, activation: { startsAt: '2027-01-10T06:00:00+03:00', imageBytes: 1e7, uplinkMbps: 1000, sharePercent: 40 } });
    expect(plan.activation!.movedByLink).toEqual([]);
    expect(plan.days).toBe(planTraining(input).days);
  });
});

const dayOffset = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
