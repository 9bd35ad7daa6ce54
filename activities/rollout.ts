// What a store rollout's training sessions do outside the workflow: tell the people invited
// (and the curator) where and when, and hand over the phones prepared for those who came through
// each one's onboarding (the joiner's hand-over Update, as the curator's `device handover` does).
// Employee ids only: no names in rows or messages.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { handOverUpdate, joinerWorkflowId } from '../workflows/joiner-contract.ts';
import { placeNoShows, replanAfterChange, TrainingPlanInfeasible, type ChangedPlan, type PlannedSession, type TrainingPlanInput } from '../src/domain/training-plan.ts';
import type { ActivityDeps } from './deps.ts';
import { enqueueNotification, wakeNotificationDelivery } from './notifications.ts';
import { registerShipmentPhone, type PhoneRegistration, type ShipmentTerms } from '../src/rollout/shipment.ts';
import type { ManifestRow } from '../src/rollout/manifest.ts';
import { PermanentSystemError } from '../src/systems/shared/errors.ts';
import { wakeStockWaiters } from '../src/inventory/stock-waiters.ts';
import { planActivation } from '../src/domain/activation-plan.ts';
import { fitLogins } from '../src/domain/first-logins.ts';
import { chunksOf, type MdmActivationStatus, type MdmProviderName } from '../src/systems/shared/mdm-api.ts';
import type { ActivationState } from '../workflows/store-rollout-contract.ts';
import { audit, createRecordActivities } from './records.ts';

/** How far ahead of the MDM calls an activation round's first downloads start. */
const SCHEDULE_LEAD_MS = 5_000;

/** How a rollout images its phones: the plan's link, a phone's rate, the first sign-ins a minute. */
export interface RolloutImaging {
  /** Not before (the shipment's arrival). */
  startsAt: string;
  imageBytes: number;
  uplinkMbps: number;
  sharePercent: number;
  phoneMbps: number;
  firstLoginsPerMinute: number;
}

/** What one activation round scheduled (its phones, their downloads' ends), and what it found. */
export interface ActivationRound {
  imeis: string[];
  busyUntil: number[];
  /** The store's last K first sign-ins, this round's included. */
  recentLogins: number[];
  late: ActivationState['late'];
  /** Signed in, of every phone scheduled so far. */
  activated: number;
  /** People of the sessions still to come with no phone prepared yet (their onboarding has not reserved one). */
  withoutPhone: number;
  /** Prepared phones not scheduled because the MDM does not see them switched on. */
  switchedOff: number;
  /** Every phone scheduled and not signed in yet, with its sign-in moment. */
  pending: { imei: string; activateFrom: number }[];
  /** Sign-ins this round moved because their image was late. */
  movedSignIns: number;
}
type ImagedDevice = { imei: string; mdmDeviceId: string | null; mdmProvider: MdmProviderName };

/** Each device's image and sign-in scheduled in its MDM, in calls of the MDM's per-call limit (heartbeating). */
async function scheduleImages(mdms: ActivityDeps['mdm'], imageBytes: number, targets: { device: ImagedDevice; downloadFrom: number; activateFrom: number }[]): Promise<void> {
  for (const provider of new Set(targets.map((t) => t.device.mdmProvider))) {
    const mdm = mdms[provider];
    const mine = targets
      .filter((t) => t.device.mdmProvider === provider)
      .map((t) => ({ deviceId: t.device.mdmDeviceId!, downloadFrom: new Date(t.downloadFrom).toISOString(), activateFrom: new Date(t.activateFrom).toISOString() }));
    for (const part of chunksOf(mine, mdm.activationTargetsPerCall)) {
      await mdm.scheduleActivation(imageBytes, part);
      Context.current().heartbeat(part.length);
    }
  }
}

/** What each device's MDM says of its activation, by IMEI (a device never scheduled is left out). */
async function activationStatuses(mdms: ActivityDeps['mdm'], devices: ImagedDevice[]): Promise<Map<string, MdmActivationStatus>> {
  const status = new Map<string, MdmActivationStatus>();
  for (const provider of new Set(devices.map((d) => d.mdmProvider))) {
    const mdm = mdms[provider];
    for (const part of chunksOf(
      devices.filter((d) => d.mdmProvider === provider),
      mdm.activationTargetsPerCall,
    )) {
      const imeiOf = new Map(part.map((d) => [d.mdmDeviceId!, d.imei]));
      for (const a of await mdm.activationStatus(part.map((d) => d.mdmDeviceId!))) status.set(imeiOf.get(a.deviceId)!, a.status);
    }
  }
  return status;
}

/** A session's start on the store's clock, as people read it. */
async function sessionTime(db: ActivityDeps['db'], storeId: string, startsAt: string): Promise<string> {
  const store = await db.store.findUniqueOrThrow({ where: { id: storeId }, select: { timeZone: true } });
  return new Intl.DateTimeFormat('en-GB', { timeZone: store.timeZone, dateStyle: 'full', timeStyle: 'short' }).format(new Date(startsAt));
}

/** One e-mail per person and one to the curator, each once by its key, in one transaction; how many were new. */
async function tellSessionPeople(
  db: ActivityDeps['db'],
  n: { storeId: string; employees: string[]; kind: string; key: (recipient: string) => string; message: string; curator: { key: string; message: string } },
): Promise<number> {
  let written = 0;
  await db.$transaction(async (tx) => {
    for (const employeeId of n.employees) {
      const fresh = await enqueueNotification(tx, {
        idempotencyKey: n.key(employeeId),
        storeId: n.storeId,
        recipient: employeeId,
        employeeId,
        kind: n.kind,
        message: n.message,
        channels: ['email'],
      });
      if (fresh) written += 1;
    }
    if (await enqueueNotification(tx, { idempotencyKey: n.curator.key, storeId: n.storeId, recipient: 'curator', kind: n.kind, message: n.curator.message, channels: ['email'] }))
      written += 1;
  });
  if (written) await wakeNotificationDelivery();
  return written;
}

export function createRolloutActivities(deps: Pick<ActivityDeps, 'db' | 'operator' | 'mdm'>) {
  const { db } = deps;
  return {
    /**
     * The partner's shipment into the fleet, phone by phone (src/rollout/shipment.ts); a retry
     * goes on from the last phone it reported. A phone the operator or the MDM refuses stays out
     * of stock with a support task; the others are stock at once, and the store's hires waiting
     * for stock are woken.
     */
    async registerShipment({
      storeId,
      phones,
      terms,
    }: {
      storeId: string;
      phones: ManifestRow[];
      terms: ShipmentTerms;
    }): Promise<{ registered: number; refused: { imei: string; reason: string }[] }> {
      const ctx = Context.current();
      const done: PhoneRegistration[] = (ctx.info.heartbeatDetails as PhoneRegistration[] | undefined) ?? [];
      for (const phone of phones.slice(done.length)) {
        try {
          done.push(await registerShipmentPhone(db, deps, { storeId, phone, terms }));
        } catch (err) {
          if (!(err instanceof PermanentSystemError)) throw err;
          done.push({ imei: phone.imei, registered: false, reason: err.message });
        }
        ctx.heartbeat(done);
      }
      const refused = done.flatMap((r) => (r.registered ? [] : [{ imei: r.imei, reason: r.reason }]));
      for (const r of refused)
        await createRecordActivities(deps).openSupportTask({
          idempotencyKey: `rollout:${storeId}:shipment:${r.imei}`,
          storeId,
          kind: 'rollout-phone-refused',
          summary: `Phone ${r.imei} of the rollout's shipment was not taken into stock: ${r.reason}. Check it with the leasing partner.`,
        });
      await wakeStockWaiters(ctx.client, storeId);
      return { registered: done.length - refused.length, refused };
    },

    /**
     * One activation round: the prepared phones of the people in the sessions still to come
     * (not scheduled before) imaged in waves within the store's share, earliest session first,
     * their first sign-ins staggered (src/domain/activation-plan.ts), and scheduled in the MDM;
     * then how many of all the round's and earlier rounds' phones have signed in. Deterministic
     * for its input and the records, so a retry schedules the same; the MDM leaves a device
     * already scheduled as it is.
     */
    async scheduleRolloutActivation({
      storeId,
      sessions,
      imaging,
      earlier,
      lookaheadMs,
    }: {
      storeId: string;
      sessions: { startsAt: string; employees: string[] }[];
      imaging: RolloutImaging;
      earlier: Pick<ActivationState, 'imeis' | 'busyUntil' | 'recentLogins' | 'pending'>;
      /** How far ahead the next round may come: a sign-in due before then whose image is not there is moved. */
      lookaheadMs: number;
    }): Promise<ActivationRound> {
      const neededBy = new Map<string, number>();
      for (const s of [...sessions].sort((a, b) => a.startsAt.localeCompare(b.startsAt)))
        for (const e of s.employees) if (!neededBy.has(e)) neededBy.set(e, Date.parse(s.startsAt));
      const devices = await db.device.findMany({
        where: { storeId, employeeId: { in: [...neededBy.keys()] }, state: { in: ['RESERVED', 'ENROLLED'] }, mdmDeviceId: { not: null } },
        select: { imei: true, employeeId: true, mdmDeviceId: true, mdmProvider: true },
      });
      const already = new Set(earlier.imeis);
      // Only phones switched on now: a schedule for a phone still in its box would start its
      // download whenever it comes online, together with every other phone unpacked at once.
      const fresh: typeof devices = [];
      let switchedOff = 0;
      for (const d of devices.filter((x) => !already.has(x.imei))) {
        if ((await deps.mdm[d.mdmProvider].findDeviceByImei(d.imei))?.online) fresh.push(d);
        else switchedOff += 1;
        Context.current().heartbeat(d.imei);
      }
      const withPhone = new Set(devices.map((d) => d.employeeId));
      const withoutPhone = [...neededBy.keys()].filter((e) => !withPhone.has(e)).length;
      const now = Date.now();
      // The first wave starts a little ahead: a download the MDM is told of after its planned start
      // begins late, and would overlap the next wave's.
      const from = Math.max(now + SCHEDULE_LEAD_MS, Date.parse(imaging.startsAt));
      const plan = fresh.length
        ? planActivation({
            phones: fresh.map((d) => ({ imei: d.imei, neededBy: neededBy.get(d.employeeId!)! })),
            from,
            imageBytes: imaging.imageBytes,
            link: { uplinkMbps: imaging.uplinkMbps, share: imaging.sharePercent / 100 },
            phoneMbps: imaging.phoneMbps,
            busyUntil: earlier.busyUntil.filter((t) => t > now),
            firstLoginsPerMinute: imaging.firstLoginsPerMinute,
            earlierLogins: earlier.recentLogins,
            seed: storeId,
          })
        : { targets: [], late: [] };
      const byImei = new Map(fresh.map((d) => [d.imei, d]));
      await scheduleImages(
        deps.mdm,
        imaging.imageBytes,
        plan.targets.map((t) => ({ device: byImei.get(t.imei)!, downloadFrom: t.downloadFrom, activateFrom: t.activateFrom })),
      );
      // The sign-ins not made yet: dropped once made; moved after the lookahead, fitted between
      // the others, when due before the next round while the image is still on its way (a link
      // slower than planned): a wave's images that land together must not sign in together.
      const pending = [...(earlier.pending ?? []), ...plan.targets.map((t) => ({ imei: t.imei, activateFrom: t.activateFrom }))];
      const records = await db.device.findMany({
        where: { imei: { in: pending.map((p) => p.imei) }, mdmDeviceId: { not: null } },
        select: { imei: true, mdmDeviceId: true, mdmProvider: true },
      });
      const status = await activationStatuses(deps.mdm, records);
      const waiting = pending.filter((p) => status.get(p.imei) !== 'ACTIVATED');
      const lateImages = waiting.filter((p) => p.activateFrom <= now + lookaheadMs && status.get(p.imei) !== 'DOWNLOADED');
      if (lateImages.length) {
        const keep = waiting.filter((p) => !lateImages.includes(p)).map((p) => p.activateFrom);
        // Between the sign-ins still to come and those made in the last minute; not the late ones' own old moments.
        const made = earlier.recentLogins.filter((t) => t <= now);
        const moved = fitLogins([...keep, ...made], lateImages.length, now + lookaheadMs, imaging.firstLoginsPerMinute, `${storeId}:${now}`);
        lateImages.forEach((p, i) => (p.activateFrom = moved[i]!));
        const record = new Map(records.map((d) => [d.imei, d]));
        // The download part is left as it was by the MDM; only the sign-in moves.
        await scheduleImages(
          deps.mdm,
          imaging.imageBytes,
          lateImages.map((p) => ({ device: record.get(p.imei)!, downloadFrom: now, activateFrom: p.activateFrom })),
        );
      }
      const scheduled = earlier.imeis.length + plan.targets.length;
      return {
        imeis: plan.targets.map((t) => t.imei),
        busyUntil: plan.targets.map((t) => t.downloadUntil),
        // The last K sign-ins are all the next round's pacing needs.
        recentLogins: [...earlier.recentLogins, ...waiting.map((p) => p.activateFrom)].sort((a, b) => a - b).slice(-imaging.firstLoginsPerMinute),
        pending: waiting,
        late: plan.late.map((l) => ({ imei: l.imei, neededBy: new Date(l.neededBy).toISOString(), readyAt: new Date(l.readyAt).toISOString() })),
        activated: scheduled - waiting.length,
        movedSignIns: lateImages.length,
        withoutPhone,
        switchedOff,
      };
    },

    /** The phones of these people the MDM has not seen signed in yet (a phone the rollout never imaged counts as ready). */
    async phonesNotActivated({ storeId, employees }: { storeId: string; employees: string[] }): Promise<string[]> {
      const devices = await db.device.findMany({
        where: { storeId, employeeId: { in: employees }, state: { in: ['RESERVED', 'ENROLLED'] }, mdmDeviceId: { not: null } },
        select: { imei: true, employeeId: true, mdmDeviceId: true, mdmProvider: true },
      });
      const status = await activationStatuses(deps.mdm, devices);
      return devices
        .filter((d) => status.has(d.imei) && status.get(d.imei) !== 'ACTIVATED')
        .map((d) => d.employeeId!)
        .sort();
    },

    /** A session's no-shows placed into later sessions around those not yet held (src/domain/training-plan.ts placeNoShows); who fits nowhere, with why. */
    async placeRolloutNoShows({
      planInput,
      noShows,
      booked,
      notBefore,
    }: {
      planInput: TrainingPlanInput;
      noShows: string[];
      booked: PlannedSession[];
      notBefore: string;
    }): Promise<{ sessions: PlannedSession[]; unplaced: { employeeId: string; reason: string }[] }> {
      try {
        return { sessions: placeNoShows(planInput, noShows, booked, notBefore).sessions, unplaced: [] };
      } catch (err) {
        if (!(err instanceof TrainingPlanInfeasible)) throw err;
        return { sessions: [], unplaced: noShows.map((employeeId) => ({ employeeId, reason: err.message })) };
      }
    },

    /** The people a change to the rollout moves, planned again under the changed constraints (src/domain/training-plan.ts replanAfterChange). */
    async replanRollout({
      planInput,
      toPlace,
      booked,
      notBefore,
      now,
    }: {
      planInput: TrainingPlanInput;
      toPlace: string[];
      /** Every session still to be held that stays where it is (those under way too). */
      booked: PlannedSession[];
      /** No new session starts before this (after `now`). */
      notBefore: string;
      /** Sessions starting after it may still change (a session under way never does). */
      now: string;
    }): Promise<ChangedPlan> {
      return replanAfterChange(planInput, toPlace, booked, notBefore, now);
    },

    /** A change to a rollout in the audit log, once per change (the key is the operator's Update id). */
    async auditRolloutChange({
      storeId,
      key,
      by,
      kind,
      reason,
      moved,
    }: {
      storeId: string;
      key: string;
      by: string;
      kind: string;
      reason: string;
      moved: { cancelled: string[]; added: string[]; withdrawn: number; unplaced: string[] };
    }): Promise<void> {
      await audit(db, { action: 'rollout.changed', storeId, details: { kind, by, reason, ...moved }, stepKey: `rollout-change:${key}` });
    },

    /**
     * Tells the people invited to a session (and the curator) that it is off for them and that a
     * new invitation follows: the whole session cancelled, or some of its people moved elsewhere.
     * Once per person and session (the key is the session's workflow id, as for its invitations).
     */
    async tellSessionCancelled({
      storeId,
      sessionId,
      employees,
      startsAt,
      room,
      key,
      whole,
    }: {
      storeId: string;
      sessionId: string;
      employees: string[];
      startsAt: string;
      room: string;
      key: string;
      /** The whole session (else only these people moved out of it). */
      whole: boolean;
    }): Promise<number> {
      const when = await sessionTime(db, storeId, startsAt);
      return tellSessionPeople(db, {
        storeId,
        employees,
        kind: 'training-cancelled',
        key: (recipient) => `${key}:cancelled:${recipient}`,
        message: whole
          ? `Your training for your new work phone on ${when}, room ${room}, is cancelled. A new invitation to another session follows.`
          : `Your place in the training for your new work phone on ${when}, room ${room}, has moved to another session. A new invitation follows.`,
        curator: {
          // The same people moved out twice is the same notice.
          key: whole ? `${key}:cancelled:curator` : `${key}:moved:${[...employees].sort().join(',')}`,
          message: whole
            ? `Training session ${sessionId} (${when}, room ${room}) is cancelled: its ${employees.length} people (${employees.join(', ')}) are invited to later sessions.`
            : `${employees.length} people of training session ${sessionId} (${when}, room ${room}) move to later sessions: ${employees.join(', ')}.`,
        },
      });
    },

    /** The curator's summary of a training day (e-mail), once per rollout and day. */
    async sendRolloutDaySummary({ storeId, day, key, summary }: { storeId: string; day: string; key: string; summary: string }): Promise<boolean> {
      const fresh = await db.$transaction((tx) =>
        enqueueNotification(tx, { idempotencyKey: `${key}:day:${day}`, storeId, recipient: 'curator', kind: 'rollout-daily-summary', message: summary, channels: ['email'] }),
      );
      if (fresh) await wakeNotificationDelivery();
      return fresh;
    },

    /** One invitation per employee and one to the curator, once per session (the key is the session's workflow id). */
    async inviteToSession({
      storeId,
      sessionId,
      employees,
      startsAt,
      room,
      key,
    }: {
      storeId: string;
      sessionId: string;
      employees: string[];
      startsAt: string;
      room: string;
      key: string;
    }): Promise<number> {
      const when = await sessionTime(db, storeId, startsAt);
      return tellSessionPeople(db, {
        storeId,
        employees,
        kind: 'training-invitation',
        key: (recipient) => `${key}:invite:${recipient}`,
        message: `Training for your new work phone: ${when}, room ${room}. Your phone is handed over at the session; bring your staff card.`,
        curator: {
          key: `${key}:invite:curator`,
          message: `Training session ${sessionId}: ${when}, room ${room}, ${employees.length} people invited (${employees.join(', ')}).`,
        },
      });
    },

    /** The phone prepared for each employee who came, handed over at the session (a second time changes nothing). */
    async handOverAtSession({
      storeId,
      sessionId,
      employees,
      by,
    }: {
      storeId: string;
      sessionId: string;
      employees: string[];
      by: string;
    }): Promise<{ handedOver: string[]; notHandedOver: { employeeId: string; reason: string }[] }> {
      const client = Context.current().client;
      const handedOver: string[] = [];
      const notHandedOver: { employeeId: string; reason: string }[] = [];
      const devices = await db.device.findMany({ where: { employeeId: { in: employees }, storeId }, select: { imei: true, employeeId: true, state: true } });
      for (const employeeId of employees) {
        Context.current().heartbeat(employeeId);
        const device = devices.find((d) => d.employeeId === employeeId && d.state !== 'RETURNED');
        if (!device) {
          notHandedOver.push({ employeeId, reason: 'no phone is prepared for them yet' });
          continue;
        }
        if (device.state === 'IN_USE') {
          handedOver.push(employeeId);
          continue;
        }
        try {
          // Given up with the activity (a worker shutting down cancels it): the onboarding may
          // be served by this very worker, which no longer polls.
          await client.withAbortSignal(Context.current().cancellationSignal, () =>
            client.workflow
              .getHandle(joinerWorkflowId(employeeId))
              .executeUpdate(handOverUpdate, { args: [{ imei: device.imei, at: new Date().toISOString(), by: `${by} (training session ${sessionId})` }] }),
          );
          handedOver.push(employeeId);
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) notHandedOver.push({ employeeId, reason: 'no onboarding is running for them' });
          else if (err instanceof WorkflowUpdateFailedError)
            notHandedOver.push({ employeeId, reason: `the onboarding refused the hand-over: ${err.cause?.message ?? err.message}` });
          else throw err;
        }
      }
      return { handedOver, notHandedOver };
    },
  };
}

export type RolloutActivities = ReturnType<typeof createRolloutActivities>;
