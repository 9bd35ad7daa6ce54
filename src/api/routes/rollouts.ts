// Store rollouts (issue 10): planning the training of a store's staff, with no side effects. The
// curator or operations send the training constraints (rooms, trainers, floor minimums, session
// length) and the roster (from HR when none is given; JSON or CSV otherwise); the answer is the
// sessions, the days they take and the lower bound no plan can beat, with what sets it. Then the
// rollout itself: started with the plan, followed, its sessions' attendance recorded, and changed
// mid-way by operations (a session cancelled, a room lost, the roster changed).
import { Router } from 'express';
import { z } from 'zod';
import { DEFAULT_FIRST_LOGINS_PER_MINUTE, firstLoginMoments } from '../../domain/first-logins.ts';
import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import {
  changeRolloutUpdate,
  rolloutProgressQuery,
  STORE_ROLLOUT_WORKFLOW,
  storeRolloutWorkflowId,
  type RolloutChange,
  type StoreRolloutInput,
} from '../../../workflows/store-rollout-contract.ts';
import { recordAttendanceUpdate, trainingSessionWorkflowId } from '../../../workflows/training-session-contract.ts';
import { operatorUpdate, withTemporal } from '../temporal-calls.ts';
import {
  DEFAULT_PHONE_MBPS,
  MAX_SEATS_PER_SESSION,
  planTraining,
  TrainingPlanInfeasible,
  WEEKDAYS,
  type RosterEntry,
  type TrainingPlan,
  type TrainingPlanInput,
} from '../../domain/training-plan.ts';
import { checkManifest, MANIFEST_COLUMNS } from '../../rollout/manifest.ts';
import { DEFAULT_ROLLOUT_POLICY } from '../../rollout/policy.ts';
import { rosterFromCsv, rosterFromHr, ROSTER_CSV_COLUMNS } from '../../rollout/roster.ts';
import type { ApiContext } from '../context.ts';
import { HttpError } from '../http-errors.ts';
import { calendarDate, employeeId, text, timestamp } from '../schemas/fields.ts';
import { defineRoute, mount } from '../schemas/route.ts';
import { storePath } from './stores.ts';

const int = (message: string, min: number, max: number) => z.int({ error: message }).min(min, { error: message }).max(max, { error: message });
const clock = () => text('must be a time of day on the store clock, HH:MM', { pattern: /^([01]\d|2[0-3]):[0-5]\d$/, examples: ['09:00'] });
const span = () =>
  z
    .strictObject({ from: clock(), until: clock() }, { error: 'must be {from, until} (store time, HH:MM)' })
    .refine((s) => s.from < s.until, { error: 'until must be after from (no span across midnight)' });
const weekdays = () =>
  z.array(z.enum(WEEKDAYS, { error: `must be weekdays: ${WEEKDAYS.join(', ')}` }), { error: 'must be an array of weekdays' }).min(1, { error: 'must name a weekday at least' });
const dates = () => z.array(calendarDate(), { error: 'must be an array of dates YYYY-MM-DD' }).max(366);
const name = (what: string) => text(`must be the ${what}'s id: 1-32 letters, digits, "-" or "_"`, { pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/ });

const rosterEntry = z.strictObject(
  {
    employeeId: employeeId(),
    department: name('department'),
    shift: span(),
    daysOff: weekdays().optional(),
    unavailable: dates().optional(),
  },
  { error: 'must be {employeeId, department, shift: {from, until}, daysOff?, unavailable?}' },
);

export const planBody = z.strictObject(
  {
    firstDay: calendarDate('must be the first day training may take place, YYYY-MM-DD'),
    trainingDays: weekdays().optional().meta({ description: 'weekdays with training (default: every day)' }),
    horizonDays: int('must be whole days from 1 to 180', 1, 180).optional(),
    sessionMinutes: int('must be whole minutes from 15 to 480', 15, 480).default(60),
    openingHours: span().optional().meta({ description: "the hours training slots run in (default: the store's opening hours on its first open day)" }),
    rooms: z
      .array(z.strictObject({ id: name('room'), seats: int('must be 1 to 16 seats (a session is at most 16)', 1, 16) }, { error: 'must be {id, seats}' }), {
        error: 'must be an array of rooms',
      })
      .min(1, { error: 'must have a room at least' })
      .max(20),
    trainers: z
      .array(
        z.strictObject(
          { id: name('trainer'), availability: z.strictObject({ weekdays: weekdays().optional(), hours: span().optional(), unavailable: dates().optional() }).optional() },
          { error: 'must be {id, availability?}' },
        ),
        { error: 'must be an array of trainers' },
      )
      .min(1, { error: 'must have a trainer at least' })
      .max(50),
    departments: z
      .array(
        z.strictObject(
          {
            id: name('department'),
            minOnFloor: int('must be a whole number of people, 0 or more', 0, 10_000),
            bySlot: z.array(z.strictObject({ from: clock(), until: clock(), min: int('must be a whole number of people, 0 or more', 0, 10_000) })).optional(),
          },
          { error: 'must be {id, minOnFloor, bySlot?}' },
        ),
        { error: "must be an array of the departments and each one's minimum on the floor" },
      )
      .min(1, { error: 'must name a department at least' }),
    roster: z
      .union([z.array(rosterEntry).min(1).max(20_000), z.string().min(1).max(5_000_000)], {
        error: `must be an array of roster entries, or CSV text (${ROSTER_CSV_COLUMNS.join(',')})`,
      })
      .optional()
      .meta({ description: `who is to be trained: JSON entries or CSV (${ROSTER_CSV_COLUMNS.join(',')}); absent: the store's employees from HR with their planned shifts` }),
    firstLoginsPerMinute: int('must be a whole number of logins a minute from 1 to 600', 1, 600)
      .optional()
      .meta({ description: "at most this many new phones' first logins a minute in the store (jittered): each employee's moment in the answer" }),
    activation: z
      .strictObject({
        startsAt: timestamp('must be when the phones are delivered and imaging starts, ISO 8601 with an offset'),
        imageBytes: int('must be whole bytes from 1 MB to 20 GB', 1_000_000, 20_000_000_000).default(1_000_000_000),
        uplinkMbps: int('must be whole Mbit/s from 1 to 100,000', 1, 100_000).optional(),
        sharePercent: int('must be a whole percent from 1 to 100', 1, 100).optional(),
        phoneMbps: int('must be whole Mbit/s from 1 to 10,000', 1, 10_000)
          .optional()
          .meta({ description: "one phone's download rate over the store's Wi-Fi (default 20): as many downloads at once as fit in the share" }),
      })
      .optional()
      .meta({ description: "the phones' images over the store link (default: the store's uplink and update share): each session's phones imaged before it starts" }),
  },
  { error: 'must be a JSON object {firstDay, rooms, trainers, departments, roster?, sessionMinutes?, trainingDays?, openingHours?, horizonDays?, activation?}' },
);

const manifestField = () =>
  z
    .union(
      [
        z
          .array(z.record(z.string(), z.union([z.string(), z.number()])))
          .min(1)
          .max(5_000),
        z.string().min(1).max(2_000_000),
      ],
      {
        error: `must be an array of phones {${MANIFEST_COLUMNS.join(', ')}}, or CSV text with those columns`,
      },
    )
    .meta({ description: `the partner's shipment: one phone per row (${MANIFEST_COLUMNS.join(', ')}), JSON or CSV` });

const manifestBody = z.strictObject({ manifest: manifestField() }, { error: 'must be a JSON object {manifest}' });

const sessionPath = z.object({
  storeId: storePath.shape.storeId,
  sessionId: text('must be the session id of the plan, e.g. 2027-03-01T08:00-R1', { pattern: /^[A-Za-z0-9][A-Za-z0-9:_-]{0,63}$/ }),
});
const attendanceBody = z.strictObject(
  {
    present: z
      .array(employeeId(), { error: 'must be an array of the employee ids who came' })
      .max(MAX_SEATS_PER_SESSION, { error: 'must name at most 16 people (a session holds 16)' }),
  },
  { error: 'must be a JSON object {present: [employee ids]}' },
);

const reason = () => text('must say why, 1-500 characters', { min: 1, max: 500 });
const changeBody = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('session-cancelled'),
      sessionId: sessionPath.shape.sessionId,
      reason: reason(),
    }),
    z.strictObject({
      kind: z.literal('room-lost'),
      room: name('room'),
      from: timestamp('must be when the room is lost, ISO 8601 with an offset (default: now)')
        .optional()
        .meta({ description: 'from this instant on (default: now): every session not yet started in the room from then moves' }),
      reason: reason(),
    }),
    z.strictObject({
      kind: z.literal('roster-changed'),
      add: z
        .union([z.array(rosterEntry).max(1_000), z.string().min(1).max(200_000)], {
          error: `must be an array of roster entries {employeeId, department, shift, daysOff?, unavailable?}, or CSV text (${ROSTER_CSV_COLUMNS.join(',')})`,
        })
        .optional()
        .meta({ description: `new hires to train, as the plan's roster entries: JSON or CSV (${ROSTER_CSV_COLUMNS.join(',')})` }),
      remove: z
        .array(employeeId(), { error: 'must be an array of employee ids' })
        .max(1_000)
        .optional()
        .meta({ description: 'people who left the company: their seats are freed' }),
      reason: reason(),
    }),
  ],
  { error: 'must be {kind: "session-cancelled", sessionId, reason} | {kind: "room-lost", room, from?, reason} | {kind: "roster-changed", add?, remove?, reason}' },
);

const startBody = planBody.extend({
  inviteAheadHours: int('must be whole hours from 0 to 168', 0, 168).default(24).meta({ description: 'invitations go out this long before each session' }),
  attendanceGraceMinutes: int('must be whole minutes from 0 to 1,440', 0, 1440).default(120).meta({ description: 'how long after its end the trainer may still record a session' }),
  curator: employeeId().optional().meta({ description: "the store's ambassador (an employee of the store): invited to every session, told each day how the rollout goes" }),
  shipment: z
    .strictObject(
      {
        manifest: manifestField(),
        leaseContract: text('must be the leasing contract, 1-64 characters', { min: 1, max: 64 }),
        warrantyUntil: calendarDate("must be the warranty's end, YYYY-MM-DD"),
        operator: text("must be the SIMs' operator, 1-64 characters", { min: 1, max: 64 }).default('CorpMobile'),
      },
      { error: 'must be {manifest, leaseContract, warrantyUntil, operator?}' },
    )
    .optional()
    .meta({ description: "the partner's shipment (checked whole first: one bad row and nothing starts): registered in the MDM, SIMs checked with the operator, into stock" }),
});

export const ROLLOUT_ROUTES = {
  plan: defineRoute({
    method: 'post',
    path: '/stores/:storeId/rollouts/plan',
    summary:
      "Plan a store's training (no side effects): sessions of at most 16 in the fewest days, no department below its floor minimum, each session's phones imaged before it; with the lower bound and what sets it",
    auth: 'operator',
    params: storePath,
    body: planBody,
    // A roster of thousands as CSV text.
    bodyLimit: '6mb',
    multilineFields: ['roster'],
    responses: {
      200: 'the plan: sessions (day, start, room, trainer, employees), days, the lower bound and the constraint that sets it, and how the link shaped it',
      400: 'a bad field or roster row, named',
      404: 'no such store',
      422: 'no plan exists: the department and slot (or the employee) that prevents it',
    },
  }),
  start: defineRoute({
    method: 'post',
    path: '/stores/:storeId/rollouts',
    summary:
      "Start a store's rollout with the plan made from these constraints (as POST .../rollouts/plan): each session invites its people a day ahead, takes the trainer's attendance and hands over the phones; no-shows go to a later session",
    auth: 'operator',
    params: storePath,
    body: startBody,
    bodyLimit: '6mb',
    multilineFields: ['roster', 'shipment.manifest'],
    responses: {
      201: 'started: the rollout id, sessions, days',
      200: 'the same request again: the rollout already started by it',
      400: 'a bad field, roster row or manifest row, named (nothing started)',
      404: 'no such store',
      409: 'another rollout of this store is running',
      422: 'no plan exists: the department and slot (or the employee) that prevents it',
    },
  }),
  status: defineRoute({
    method: 'get',
    path: '/stores/:storeId/rollouts/current',
    summary: "A store's rollout: trained, handed over, no-shows placed again, sessions held and left, the next sessions, the last day",
    auth: 'operator',
    params: storePath,
    responses: { 200: 'its progress', 404: 'no rollout of this store' },
  }),
  attendance: defineRoute({
    method: 'post',
    path: '/stores/:storeId/rollouts/sessions/:sessionId/attendance',
    summary:
      'The trainer records who came to a training session (once, from its start): their prepared phones are handed over there; who did not come is planned into a later session',
    auth: 'operator',
    params: sessionPath,
    body: attendanceBody,
    responses: {
      200: 'recorded: how many came and how many did not',
      400: 'a bad field, named',
      404: 'no such session running',
      409: 'refused: before the start, after the grace, already recorded, or someone not invited (named)',
    },
  }),
  change: defineRoute({
    method: 'post',
    path: '/stores/:storeId/rollouts/changes',
    summary:
      'Change a running rollout (operations): a session cancelled, a room lost from a moment on, the roster changed (people added or removed). The people who must move are planned again under the changed constraints, never a session already held or under way; the sessions they leave are cancelled and anyone invited is told',
    auth: 'operator',
    params: storePath,
    body: changeBody,
    bodyLimit: '256kb',
    multilineFields: ['add'],
    responses: {
      200: 'applied: the sessions cancelled, the sessions added, people moved out of sessions, and anyone no session could take (with why)',
      400: 'a bad field, named',
      404: 'no rollout of this store is running',
      409: 'refused (nothing changed): an unknown, held or started session, an unknown room, nobody named, someone named twice or already on the roster, someone not on it',
    },
  }),
  checkManifest: defineRoute({
    method: 'post',
    path: '/stores/:storeId/rollouts/manifest-check',
    summary: "Check the leasing partner's shipment manifest for a store (no side effects): check digits, numbers, duplicates within it and phones or SIMs the fleet has elsewhere",
    auth: 'operator',
    params: storePath,
    body: manifestBody,
    bodyLimit: '3mb',
    multilineFields: ['manifest'],
    responses: { 200: 'every row is good: the number of phones', 400: 'every bad row, by row and column (nothing applied)', 404: 'no such store' },
  }),
};

/** The store's opening hours on its first open day (HR's {"mon": ["09:00", "21:00"], ...}). */
function openingHoursOf(hours: unknown): { from: string; until: string } | undefined {
  if (!hours || typeof hours !== 'object') return undefined;
  for (const day of ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']) {
    const h = (hours as Record<string, unknown>)[day];
    if (Array.isArray(h) && typeof h[0] === 'string' && typeof h[1] === 'string' && h[0] < h[1]) return { from: h[0], until: h[1] };
  }
  return undefined;
}

/** Each employee's first login, at most `perMinute` a minute in the store, from their session's start. */
function firstLoginsOf(plan: TrainingPlan, perMinute: number, storeId: string) {
  const sessions = plan.sessions.map((s) => ({
    startsAt: Date.parse(s.startsAt),
    endsAt: Date.parse(s.endsAt),
    employees: s.employees,
  }));
  const { at, afterSession } = firstLoginMoments(sessions, perMinute, storeId);
  return { perMinute, byEmployee: Object.fromEntries([...at].map(([id, t]) => [id, new Date(t).toISOString()])), afterSession };
}

/** The plan's input for a store: its time zone and hours, the roster (given, CSV, or HR's), checked against the departments. */
async function planInputFor(ctx: ApiContext, storeId: string, body: z.output<typeof planBody>) {
  const store = await ctx.db.store.findUnique({ where: { id: storeId } });
  if (!store) throw new HttpError(404, `store ${storeId} does not exist`);
  const openingHours = body.openingHours ?? openingHoursOf(store.openingHours);
  if (!openingHours) throw new HttpError(400, 'the store has no opening hours from HR: give openingHours', [{ field: 'openingHours', message: 'is required for this store' }]);

  let roster: RosterEntry[];
  if (typeof body.roster === 'string') {
    const parsed = rosterFromCsv(body.roster, 'roster');
    if (parsed.problems.length) throw new HttpError(400, 'the roster CSV has bad rows (nothing planned)', parsed.problems);
    roster = parsed.roster;
  } else if (body.roster) {
    roster = body.roster;
  } else {
    roster = await rosterFromHr(ctx.db, store.id, { firstDay: body.firstDay, days: body.horizonDays ?? 90, timeZone: store.timeZone, usualShift: openingHours });
    if (roster.length === 0)
      throw new HttpError(422, `HR has no employees at ${store.id} to train: give the roster`, [{ field: 'roster', message: 'is required: HR has nobody at this store' }]);
  }
  const known = new Set(body.departments.map((d) => d.id));
  const problems = roster.flatMap((e, i) =>
    known.has(e.department) ? [] : [{ field: `roster[${i}].department`, message: `${e.department} is not among the departments (give its floor minimum, 0 if none)` }],
  );
  const seen = new Set<string>();
  roster.forEach((e, i) => {
    if (seen.has(e.employeeId)) problems.push({ field: `roster[${i}].employeeId`, message: `${e.employeeId} is on the roster twice` });
    seen.add(e.employeeId);
  });
  if (problems.length) throw new HttpError(400, 'the roster does not match the departments (nothing planned)', problems.slice(0, 100));

  const input: TrainingPlanInput = {
    timeZone: store.timeZone,
    firstDay: body.firstDay,
    sessionMinutes: body.sessionMinutes,
    openingHours,
    rooms: body.rooms,
    trainers: body.trainers,
    departments: body.departments,
    roster,
    ...(body.trainingDays ? { trainingDays: body.trainingDays } : {}),
    ...(body.horizonDays ? { horizonDays: body.horizonDays } : {}),
    ...(body.activation
      ? {
          activation: {
            startsAt: body.activation.startsAt,
            imageBytes: body.activation.imageBytes,
            uplinkMbps: body.activation.uplinkMbps ?? store.uplinkMbps,
            sharePercent: body.activation.sharePercent ?? store.updateSharePercent,
            ...(body.activation.phoneMbps ? { phoneMbps: body.activation.phoneMbps } : {}),
          },
        }
      : {}),
  };
  return { store, input };
}

/** The plan, or the 422 (no plan) / 400 (not a store) that says why. */
/** The manifest's rows, or a 400 listing every problem (nothing applied). */
async function checkedManifest(ctx: ApiContext, storeId: string, manifest: string | Record<string, unknown>[], field = 'manifest') {
  const { rows, problems } = await checkManifest(ctx.db, storeId, manifest, field);
  if (problems.length) throw new HttpError(400, `the manifest has ${problems.length} problem${problems.length === 1 ? '' : 's'} (nothing applied)`, problems);
  return rows;
}

function planOrRefuse(input: TrainingPlanInput): TrainingPlan {
  try {
    return planTraining(input);
  } catch (err) {
    if (err instanceof TrainingPlanInfeasible) throw new HttpError(422, err.message, undefined, { where: err.where });
    if (err instanceof RangeError) throw new HttpError(400, err.message, [{ field: 'body', message: err.message }]);
    throw err;
  }
}

export function rolloutRouter(ctx: ApiContext): Router {
  const router = Router();

  mount(router, ROLLOUT_ROUTES.plan, async ({ params, body }, _req, res) => {
    const { store, input } = await planInputFor(ctx, params.storeId, body);
    const plan = planOrRefuse(input);
    res.json({
      storeId: store.id,
      employees: input.roster.length,
      plan,
      ...(body.firstLoginsPerMinute ? { firstLogins: firstLoginsOf(plan, body.firstLoginsPerMinute, store.id) } : {}),
    });
  });

  mount(router, ROLLOUT_ROUTES.start, async ({ params, body }, _req, res) => {
    const { inviteAheadHours, attendanceGraceMinutes, curator, shipment, ...planBodyOnly } = body;
    const { store, input } = await planInputFor(ctx, params.storeId, planBodyOnly);
    const plan = planOrRefuse(input);
    const phones = shipment ? await checkedManifest(ctx, store.id, shipment.manifest, 'shipment.manifest') : undefined;
    if (curator && !(await ctx.db.employee.findFirst({ where: { id: curator, storeId: store.id }, select: { id: true } })))
      throw new HttpError(422, `the curator ${curator} is not an employee of ${store.id}`, [{ field: 'curator', message: `${curator} is not an employee of ${store.id}` }]);
    const workflowId = storeRolloutWorkflowId(store.id);
    // The same request again is the same rollout; another while it runs is a conflict.
    const requestHash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    const args: StoreRolloutInput = {
      storeId: store.id,
      planInput: input,
      sessions: plan.sessions,
      inviteAhead: `${inviteAheadHours} hours`,
      attendanceGrace: `${attendanceGraceMinutes} minutes`,
      ...(phones && shipment ? { shipment: { phones, terms: { leaseContract: shipment.leaseContract, warrantyUntil: shipment.warrantyUntil, operator: shipment.operator } } } : {}),
      ...(input.activation
        ? {
            imaging: {
              startsAt: input.activation.startsAt,
              imageBytes: input.activation.imageBytes,
              uplinkMbps: input.activation.uplinkMbps,
              sharePercent: input.activation.sharePercent,
              phoneMbps: input.activation.phoneMbps ?? DEFAULT_PHONE_MBPS,
              firstLoginsPerMinute: body.firstLoginsPerMinute ?? DEFAULT_FIRST_LOGINS_PER_MINUTE,
            },
          }
        : {}),
      ...(ctx.policy.rollout ?? DEFAULT_ROLLOUT_POLICY),
    };
    try {
      await withTemporal(ctx, () =>
        ctx.temporal.workflow.start(STORE_ROLLOUT_WORKFLOW, {
          workflowId,
          taskQueue: ctx.taskQueue,
          args: [args],
          memo: { requestHash },
          workflowIdConflictPolicy: 'FAIL',
          staticSummary: `Rollout of store ${store.id}: ${input.roster.length} people in ${plan.sessions.length} sessions over ${plan.days} days`,
        }),
      );
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const running = await withTemporal(ctx, () => ctx.temporal.workflow.getHandle(workflowId).describe());
      if (running.memo?.requestHash !== requestHash)
        throw new HttpError(409, `a rollout of ${store.id} is already running (started ${running.startTime.toISOString()}): follow it, or wait for it to end`);
      res.status(200).json({ rolloutId: workflowId, storeId: store.id, alreadyStarted: true });
      return;
    }
    await ctx.db.$transaction(async (tx) => {
      if (curator && curator !== store.curatorId) await tx.store.update({ where: { id: store.id }, data: { curatorId: curator } });
      await tx.auditLog.create({
        data: {
          actor: `api:${res.locals.operator}`,
          action: 'rollout.started',
          storeId: store.id,
          details: { workflowId, sessions: plan.sessions.length, days: plan.days, employees: input.roster.length, phones: phones?.length ?? 0, ...(curator ? { curator } : {}) },
        },
      });
    });
    res.status(201).json({
      rolloutId: workflowId,
      storeId: store.id,
      employees: input.roster.length,
      sessions: plan.sessions.length,
      days: plan.days,
      lastDay: plan.lastDay,
      lowerBound: plan.lowerBound,
    });
  });

  mount(router, ROLLOUT_ROUTES.status, async ({ params }, _req, res) => {
    const handle = ctx.temporal.workflow.getHandle(storeRolloutWorkflowId(params.storeId));
    try {
      res.json(await withTemporal(ctx, () => handle.query(rolloutProgressQuery)));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new HttpError(404, `no rollout of ${params.storeId}`);
      throw err;
    }
  });

  mount(router, ROLLOUT_ROUTES.attendance, async ({ params, body }, _req, res) => {
    const handle = ctx.temporal.workflow.getHandle(trainingSessionWorkflowId(params.storeId, params.sessionId));
    const answer = await operatorUpdate(ctx, handle, recordAttendanceUpdate, { by: `api:${res.locals.operator}`, present: body.present });
    if ('notRunning' in answer || 'unknownUpdate' in answer) throw new HttpError(404, `no training session ${params.sessionId} is running at ${params.storeId}`);
    if ('rejected' in answer) throw new HttpError(409, answer.rejected);
    res.json({ storeId: params.storeId, sessionId: params.sessionId, ...answer.accepted });
  });

  mount(router, ROLLOUT_ROUTES.change, async ({ params, body }, _req, res) => {
    const added = (add: RosterEntry[] | string | undefined): RosterEntry[] | undefined => {
      if (typeof add !== 'string') return add;
      const parsed = rosterFromCsv(add, 'add');
      if (parsed.problems.length) throw new HttpError(400, 'the added people (CSV) have bad rows (nothing changed)', parsed.problems);
      return parsed.roster;
    };
    const change: RolloutChange = body.kind === 'roster-changed' ? { ...body, add: added(body.add) } : body;
    const handle = ctx.temporal.workflow.getHandle(storeRolloutWorkflowId(params.storeId));
    const answer = await operatorUpdate(ctx, handle, changeRolloutUpdate, { ...change, by: `api:${res.locals.operator}` });
    if ('notRunning' in answer || 'unknownUpdate' in answer) throw new HttpError(404, `no rollout of ${params.storeId} is running`);
    if ('rejected' in answer) throw new HttpError(409, answer.rejected);
    res.json({ storeId: params.storeId, ...answer.accepted });
  });

  mount(router, ROLLOUT_ROUTES.checkManifest, async ({ params, body }, _req, res) => {
    const store = await ctx.db.store.findUnique({ where: { id: params.storeId }, select: { id: true } });
    if (!store) throw new HttpError(404, `store ${params.storeId} does not exist`);
    const rows = await checkedManifest(ctx, store.id, body.manifest);
    res.json({ storeId: store.id, phones: rows.length, models: [...new Set(rows.map((r) => r.model))].sort() });
  });

  return router;
}
