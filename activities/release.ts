// The release process's activities (workflows/release.ts, workflows/release-store.ts). A store's
// plan is computed once from its phones, their holders' shifts and its uplink, and written as
// ReleaseTarget rows; the MDM hears of it in batches (one call for up to its per-call maximum of
// phones, never one per phone) and its status reports are read back per store. Results are counts
// and times only: never an IMEI list, a name or a number in history.
import { Context, heartbeat } from '@temporalio/activity';
import { msToNumber } from '@temporalio/common/lib/time.js';
import type { Prisma } from '../src/db/generated/client.ts';
import { gateFor, judgeRing, type VersionHealth } from '../src/domain/health-gate.ts';
import { dailyStretches, installMoment, type DailyWindow } from '../src/domain/install-moments.ts';
import { planRings, type Ring } from '../src/domain/release-rings.ts';
import { localDate, addDays, zonedInstant } from '../src/domain/store-calendar.ts';
import { MOBILE_DOWNLOAD_MAX_BYTES, planWaves, type Stay, type StorePhone } from '../src/domain/update-waves.ts';
import { audit } from '../src/inventory/audit.ts';
import { releaseName } from '../src/systems/crash-reporter/api.ts';
import type { MdmAppTarget, MdmProviderName } from '../src/systems/shared/mdm-api.ts';
import { doubledAssignmentLeadMs, NO_TARGETS, type PreparedRelease, type ReleasePolicy, type StorePlanSummary, type TargetCounts } from '../workflows/release-contract.ts';
import { permanent } from './boundary.ts';
import type { ActivityDeps } from './deps.ts';
import { enqueueNotification, RELEASE_TEAM, wakeNotificationDelivery } from './notifications.ts';

/** Release statuses (the Release row) of a release still reaching phones: a newer build takes over from it. */
const UNFINISHED = ['ROLLING_OUT', 'HALTED', 'PAUSED'];
const SETTLED = new Set(['INSTALLED', 'FAILED', 'CANCELLED', 'UNPLACED']);
/** Rows the MDM has been told about and that may still change. */
const WITH_MDM = ['ASSIGNED', 'DOWNLOADING', 'DOWNLOADED'];
/** Where HR has planned no shifts, the store's opening hours stand in; without those, 08:00-20:00. */
const DEFAULT_DAY: DailyWindow = { from: '08:00', until: '20:00' };

const chunks = <T>(items: T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** A phone's stays in its store when HR plans no shifts for its holder: the store's opening hours. */
function openingStays(openingHours: unknown, timeZone: string, from: number, until: number): Stay[] {
  const days = Math.ceil((until - from) / 86_400_000) + 1;
  const hours = openingHours && typeof openingHours === 'object' ? (openingHours as Record<string, [string, string] | undefined>) : undefined;
  if (!hours) return dailyStretches(DEFAULT_DAY, timeZone, from, days);
  const stays: Stay[] = [];
  const first = localDate(new Date(from), timeZone);
  for (let d = 0; d <= days; d++) {
    const date = addDays(first, d);
    const weekday = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][new Date(`${date}T12:00:00Z`).getUTCDay()]!;
    const open = hours[weekday];
    if (!open) continue;
    const midnight = zonedInstant(date, 0, timeZone).getTime();
    const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
    stays.push({ from: midnight + minutes(open[0]) * 60_000, until: midnight + minutes(open[1]) * 60_000 });
  }
  return stays;
}

export function countsOf(rows: { status: string; installAt: Date }[], now: number): TargetCounts {
  const counts = { ...NO_TARGETS, targeted: rows.length };
  for (const r of rows) {
    const key = r.status.toLowerCase() as keyof TargetCounts;
    if (key in counts && key !== 'targeted' && key !== 'waitingForWindow') counts[key]++;
    if (r.status === 'DOWNLOADED' && r.installAt.getTime() > now) counts.waitingForWindow++;
  }
  return counts;
}

export function createReleaseActivities({
  db,
  mdm,
  crashReporter,
  artifacts,
  releaseGit,
  releaseTeamMailbox,
}: Pick<ActivityDeps, 'db' | 'mdm' | 'crashReporter' | 'artifacts' | 'releaseGit' | 'releaseTeamMailbox'>) {
  const releaseOf = async (releaseId: string) => {
    const release = await db.release.findUnique({ where: { id: releaseId }, include: { app: { include: { roles: true } } } });
    if (!release) throw permanent('UnknownRelease', `no release ${releaseId}`);
    return release;
  };

  /** The phones in use whose holder's role has the app, in the given stores (or all). */
  const phonesWithApp = async (packageName: string, storeIds?: string[]) =>
    db.device.findMany({
      where: {
        state: 'IN_USE',
        ...(storeIds ? { storeId: { in: storeIds } } : {}),
        employee: { role: { apps: { some: { packageName } } }, status: { in: ['ACTIVE', 'ONBOARDING'] } },
      },
      select: { imei: true, storeId: true, mdmProvider: true, mdmDeviceId: true, employeeId: true },
      orderBy: { imei: 'asc' },
    });

  const appVersionIdOf = (versions: unknown, provider: MdmProviderName, releaseId: string): string => {
    const id = (versions as Record<string, string> | null)?.[provider];
    if (!id) throw permanent('NotUploaded', `${releaseId} was not uploaded to ${provider}`);
    return id;
  };

  return {
    /**
     * Uploads the APK to each MDM the app's stores use (the same build again is the same app
     * version there) and tells the workflow what it needs: the stores, the baseline, whether it
     * repairs an aborted release or takes over from one still rolling out.
     */
    async prepareRelease({ releaseId }: { releaseId: string }): Promise<PreparedRelease> {
      const release = await releaseOf(releaseId);
      const phones = await phonesWithApp(release.packageName);
      const providers = [...new Set(phones.map((p) => p.mdmProvider))].sort();
      const versions: Record<string, string> = { ...((release.mdmAppVersions as Record<string, string> | null) ?? {}) };
      for (const provider of providers) {
        if (versions[provider]) continue;
        if (!artifacts) throw permanent('NoArtifactStore', 'the worker has no artifact store');
        const apk = await artifacts.get(release.sha256);
        if (!apk) throw permanent('ApkMissing', `the artifact store has no ${release.sha256}`);
        const upload = { packageName: release.packageName, versionCode: release.versionCode, sha256: release.sha256, apk };
        const { appVersionId } = await mdm[provider].uploadApp(release.versionName ? { ...upload, versionName: release.versionName } : upload);
        versions[provider] = appVersionId;
        await db.release.update({ where: { id: releaseId }, data: { mdmAppVersions: versions } });
      }
      const earlier = await db.release.findMany({
        where: { packageName: release.packageName, versionCode: { lt: release.versionCode } },
        orderBy: { versionCode: 'desc' },
        select: { id: true, status: true },
      });
      const baseline = earlier.find((r) => r.status === 'COMPLETED') ?? earlier[0];
      const prepared: PreparedRelease = {
        versionName: release.versionName,
        autoInstall: release.app.autoInstall,
        critical: release.app.critical,
        ...(release.announce ? { announce: true } : {}),
        stores: [...new Set(phones.map((p) => p.storeId))].sort(),
      };
      if (baseline) prepared.previousReleaseId = baseline.id;
      if (earlier[0]?.status === 'ABORTED') prepared.rollbackOf = earlier[0].id;
      const unfinished = earlier.find((r) => UNFINISHED.includes(r.status));
      if (unfinished) prepared.supersedes = unfinished.id;
      return prepared;
    },

    /** The rings over the stores (src/domain/release-rings.ts). */
    async planReleaseRings({ stores, policy }: { stores: string[]; policy: ReleasePolicy }): Promise<Ring[]> {
      return planRings(stores, policy.rings);
    },

    /** The Release row's status (and the ring reached), which the API and a newer build read. */
    async recordReleaseStatus({ releaseId, status, ring }: { releaseId: string; status: string; ring: number }): Promise<void> {
      await db.release.update({ where: { id: releaseId }, data: { status, ringReached: ring } });
    },

    async releaseStatus({ releaseId }: { releaseId: string }): Promise<{ status: string; ringReached: number }> {
      const release = await db.release.findUniqueOrThrow({ where: { id: releaseId }, select: { status: true, ringReached: true } });
      return release;
    },

    /**
     * The store's plan (src/domain/update-waves.ts): its phones with the app (or only those that
     * installed an aborted version), each download inside one of its holder's stays in the
     * store within the share of the uplink, each install after the holder's shift or in the
     * store's window. Written once: a retry, or a workflow run after continue-as-new, reads the
     * rows back. `replan`: the phones not yet given to the MDM are planned again from now (after a freeze).
     */
    async planReleaseStore(input: {
      releaseId: string;
      storeId: string;
      ring: number;
      policy: ReleasePolicy;
      onlyAffectedBy?: string;
      replan?: boolean;
    }): Promise<StorePlanSummary> {
      const { releaseId, storeId, policy } = input;
      // The plan starts once its first batch can have reached the MDM (a store workflow from
      // before batch-lead-doubled waits one lead, then sends it one lead ahead).
      const now = Date.now() + doubledAssignmentLeadMs(msToNumber(policy.batchSpan));
      const inStore = await db.releaseTarget.findMany({ where: { releaseId, storeId } });
      const existing = inStore.filter((t) => t.ring === input.ring);
      if (existing.length > 0 && !input.replan) return summaryOf(existing, now, undefined);
      const release = await releaseOf(releaseId);
      const store = await db.store.findUniqueOrThrow({ where: { id: storeId } });
      let phones = await phonesWithApp(release.packageName, [storeId]);
      if (input.onlyAffectedBy) {
        const affected = new Set(
          (await db.releaseTarget.findMany({ where: { releaseId: input.onlyAffectedBy, storeId, status: 'INSTALLED' }, select: { imei: true } })).map((t) => t.imei),
        );
        phones = phones.filter((p) => affected.has(p.imei));
      }
      if (input.replan) {
        const open = new Set(existing.filter((t) => t.status === 'PLANNED').map((t) => t.imei));
        phones = phones.filter((p) => open.has(p.imei));
      } else {
        // A phone an earlier ring of this release reached (a rollback's first ring) is not planned twice.
        const reached = new Set(inStore.map((t) => t.imei));
        phones = phones.filter((p) => !reached.has(p.imei));
      }
      const horizon = now + msToNumber(policy.planHorizon);
      const shifts = await db.plannedShift.findMany({
        where: { employeeId: { in: phones.map((p) => p.employeeId!).filter(Boolean) }, endsAt: { gt: new Date(now) }, startsAt: { lt: new Date(horizon) } },
      });
      const shiftsOf = new Map<string, Stay[]>();
      for (const s of shifts) shiftsOf.set(s.employeeId, [...(shiftsOf.get(s.employeeId) ?? []), { from: s.startsAt.getTime(), until: s.endsAt.getTime() }]);
      // People HR plans shifts for are in the store only then; for the others the opening hours stand in.
      const planned = new Set(
        (await db.plannedShift.groupBy({ by: ['employeeId'], where: { employeeId: { in: phones.map((p) => p.employeeId!).filter(Boolean) } } })).map((g) => g.employeeId),
      );
      const enrolled = phones.filter((p) => p.mdmDeviceId);
      const everyPhone: StorePhone[] = enrolled.map((p) => ({
        imei: p.imei,
        inStore: planned.has(p.employeeId!) ? (shiftsOf.get(p.employeeId!) ?? []) : openingStays(store.openingHours, store.timeZone, now, horizon),
      }));
      // A small APK reaches a phone away from the store now over mobile data, off the store's link.
      const small = release.sizeBytes <= MOBILE_DOWNLOAD_MAX_BYTES;
      const away = new Set(small ? everyPhone.filter((p) => !p.inStore.some((s) => s.from <= now && now < s.until)).map((p) => p.imei) : []);
      const storePhones = everyPhone.filter((p) => !away.has(p.imei));
      // Downloads on the store's link already (an earlier batch still running, another release) hold their slots.
      const onLink = await db.releaseTarget.findMany({
        where: { storeId, status: { in: ['ASSIGNED', 'DOWNLOADING'] } },
        select: { downloadAt: true, release: { select: { sizeBytes: true } } },
      });
      const busyUntil = onLink.map((t) => t.downloadAt.getTime() + Math.ceil((t.release.sizeBytes * 8) / (policy.phoneMbps * 1_000)));
      const plan = planWaves({
        busyUntil,
        apkBytes: release.sizeBytes,
        phones: storePhones,
        link: { uplinkMbps: store.uplinkMbps, share: store.updateSharePercent / 100 },
        phoneMbps: policy.phoneMbps,
        from: now,
        until: horizon,
      });
      const window = store.installWindowFrom && store.installWindowUntil ? { from: store.installWindowFrom, until: store.installWindowUntil } : undefined;
      const batchMs = msToNumber(policy.batchSpan);
      const byImei = new Map(enrolled.map((p) => [p.imei, p]));
      const batchBase = inStore.length > 0 ? Math.max(-1, ...inStore.map((t) => t.batch)) + 1 : 0;
      const overMobile = [...away].map((imei) => ({ imei, startsAt: now, endsAt: now + plan.downloadMs }));
      const downloads = [...plan.downloads, ...overMobile];
      // Batches by the time their downloads start, numbered in order without gaps.
      const slots = [...new Set(downloads.map((d) => Math.floor((d.startsAt - now) / batchMs)))].sort((a, b) => a - b);
      const rows: Prisma.ReleaseTargetCreateManyInput[] = downloads.map((d) => {
        const phone = byImei.get(d.imei)!;
        const installAt = installMoment(d.endsAt, {
          shifts: shiftsOf.get(phone.employeeId!) ?? [],
          ...(window ? { window } : {}),
          timeZone: store.timeZone,
          critical: release.app.critical,
        });
        return {
          releaseId,
          imei: d.imei,
          storeId,
          ring: input.ring,
          batch: batchBase + slots.indexOf(Math.floor((d.startsAt - now) / batchMs)),
          mdmProvider: phone.mdmProvider,
          mdmDeviceId: phone.mdmDeviceId!,
          downloadAt: new Date(d.startsAt),
          installAt: new Date(installAt),
          status: 'PLANNED',
        };
      });
      const placed = new Set(rows.map((r) => r.imei));
      const unplaced = phones.filter((p) => !placed.has(p.imei));
      await db.$transaction(async (tx) => {
        if (input.replan) await tx.releaseTarget.deleteMany({ where: { releaseId, storeId, ring: input.ring, status: 'PLANNED' } });
        await tx.releaseTarget.createMany({ data: rows, skipDuplicates: true });
        await tx.releaseTarget.createMany({
          data: unplaced.map((p) => ({
            releaseId,
            imei: p.imei,
            storeId,
            ring: input.ring,
            batch: -1,
            mdmProvider: p.mdmProvider,
            mdmDeviceId: p.mdmDeviceId ?? '',
            downloadAt: new Date(now),
            installAt: new Date(now),
            status: 'UNPLACED',
            failure: p.mdmDeviceId ? (plan.unplaced.find((u) => u.imei === p.imei)?.why ?? 'not placed') : 'not enrolled in the MDM',
          })),
          skipDuplicates: true,
        });
      });
      return summaryOf(await db.releaseTarget.findMany({ where: { releaseId, storeId, ring: input.ring } }), now, plan);
    },

    /** Tells the MDM(s) of one batch of a store's plan: one call per MDM and per call's worth of phones. */
    async assignReleaseBatch({ releaseId, storeId, batch }: { releaseId: string; storeId: string; batch: number }): Promise<number> {
      const release = await releaseOf(releaseId);
      const rows = await db.releaseTarget.findMany({ where: { releaseId, storeId, batch, status: { in: ['PLANNED', 'ASSIGNED'] } }, orderBy: { imei: 'asc' } });
      for (const provider of [...new Set(rows.map((r) => r.mdmProvider))]) {
        const adapter = mdm[provider];
        const appVersionId = appVersionIdOf(release.mdmAppVersions, provider, releaseId);
        const mine = rows.filter((r) => r.mdmProvider === provider);
        for (const part of chunks(mine, adapter.appTargetsPerCall)) {
          const targets: MdmAppTarget[] = part.map((r) => ({ deviceId: r.mdmDeviceId, downloadFrom: r.downloadAt.toISOString(), installFrom: r.installAt.toISOString() }));
          // A repeat (a retried activity) changes nothing at the MDM: no phone hears twice.
          await adapter.assignApp(appVersionId, targets);
          await db.releaseTarget.updateMany({ where: { releaseId, imei: { in: part.map((r) => r.imei) }, status: 'PLANNED' }, data: { status: 'ASSIGNED' } });
        }
      }
      return rows.length;
    },

    /**
     * For an app its users install themselves (not auto-installed), the release notes go to each
     * phone of the batch as a push message, once: a phone is marked as told right after its
     * message (a worker dying between the two tells that one phone twice, never more).
     */
    async announceReleaseBatch({ releaseId, storeId, batch }: { releaseId: string; storeId: string; batch: number }): Promise<number> {
      const release = await releaseOf(releaseId);
      // An auto-installed app says nothing, unless the build has something people must know.
      if (release.app.autoInstall && !release.announce) return 0;
      const rows = await db.releaseTarget.findMany({ where: { releaseId, storeId, batch, notifiedAt: null, status: { notIn: ['UNPLACED', 'CANCELLED'] } } });
      const message = {
        title: release.app.autoInstall
          ? `${release.app.name} ${release.versionName ?? release.versionCode} installs by itself`
          : `${release.app.name} ${release.versionName ?? release.versionCode} is ready to install`,
        body: (release.notes ? `What's new:\n${release.notes}` : 'A new version is ready.').slice(0, 1_000),
      };
      const beat = heartbeatIfActivity();
      for (const r of rows) {
        await mdm[r.mdmProvider].sendMessage(r.mdmDeviceId, message);
        await db.releaseTarget.update({ where: { releaseId_imei: { releaseId, imei: r.imei } }, data: { notifiedAt: new Date() } });
        beat();
      }
      return rows.length;
    },

    /** Reads the MDM's status of the store's phones it was told about; returns the store's counts. */
    async refreshReleaseStore({ releaseId, storeId }: { releaseId: string; storeId: string }): Promise<TargetCounts> {
      const release = await releaseOf(releaseId);
      const open = await db.releaseTarget.findMany({ where: { releaseId, storeId, status: { in: WITH_MDM } } });
      for (const provider of [...new Set(open.map((r) => r.mdmProvider))]) {
        const adapter = mdm[provider];
        const appVersionId = appVersionIdOf(release.mdmAppVersions, provider, releaseId);
        const mine = open.filter((r) => r.mdmProvider === provider);
        const byDevice = new Map(mine.map((r) => [r.mdmDeviceId, r]));
        for (const part of chunks(mine, adapter.appTargetsPerCall)) {
          const statuses = await adapter.appInstallStatus(
            appVersionId,
            part.map((r) => r.mdmDeviceId),
          );
          const changed = statuses.filter((s) => byDevice.get(s.deviceId) && byDevice.get(s.deviceId)!.status !== s.status);
          if (changed.length === 0) continue;
          await db.$transaction(
            changed.map((s) =>
              db.releaseTarget.update({
                where: { releaseId_imei: { releaseId, imei: byDevice.get(s.deviceId)!.imei } },
                data: { status: s.status, installedAt: s.installedAt ? new Date(s.installedAt) : null, failure: s.failure ?? null },
              }),
            ),
          );
        }
      }
      return countsOf(await db.releaseTarget.findMany({ where: { releaseId, storeId }, select: { status: true, installAt: true } }), Date.now());
    },

    /**
     * Withdraws what the store's phones have not started downloading: at the MDM (cancelled
     * there) and in the plan. `replan`: they wait to be planned again (a freeze); else they are
     * cancelled (abort, supersede). Returns the store's counts.
     */
    async withdrawReleaseStore({ releaseId, storeId, replan }: { releaseId: string; storeId: string; replan: boolean }): Promise<TargetCounts> {
      const release = await releaseOf(releaseId);
      const assigned = await db.releaseTarget.findMany({ where: { releaseId, storeId, status: 'ASSIGNED' } });
      for (const provider of [...new Set(assigned.map((r) => r.mdmProvider))]) {
        const adapter = mdm[provider];
        const appVersionId = appVersionIdOf(release.mdmAppVersions, provider, releaseId);
        const mine = assigned.filter((r) => r.mdmProvider === provider);
        for (const part of chunks(mine, adapter.appTargetsPerCall)) {
          await adapter.cancelAppAssignments(
            appVersionId,
            part.map((r) => r.mdmDeviceId),
          );
          // What the MDM had already started stays with it; the rest is withdrawn.
          const statuses = await adapter.appInstallStatus(
            appVersionId,
            part.map((r) => r.mdmDeviceId),
          );
          const cancelled = new Set(statuses.filter((s) => s.status === 'CANCELLED').map((s) => s.deviceId));
          await db.releaseTarget.updateMany({
            where: { releaseId, storeId, mdmDeviceId: { in: [...cancelled] }, status: 'ASSIGNED' },
            data: { status: replan ? 'PLANNED' : 'CANCELLED' },
          });
        }
      }
      if (!replan) await db.releaseTarget.updateMany({ where: { releaseId, storeId, status: 'PLANNED' }, data: { status: 'CANCELLED' } });
      return countsOf(await db.releaseTarget.findMany({ where: { releaseId, storeId }, select: { status: true, installAt: true } }), Date.now());
    },

    /** The store's freeze in force now, or starting before `until` (a batch must not reach into it). */
    async freezeAhead({ storeIds, until }: { storeIds: string[]; until: number }): Promise<{ storeId: string | null; startsAt: string; endsAt: string; reason: string } | null> {
      const now = new Date();
      const freeze = await db.freeze.findFirst({
        where: { startsAt: { lt: new Date(Math.max(until, now.getTime() + 1)) }, endsAt: { gt: now }, OR: [{ storeId: { in: storeIds } }, { storeId: null }] },
        orderBy: [{ startsAt: 'asc' }, { endsAt: 'desc' }],
      });
      return freeze ? { storeId: freeze.storeId, startsAt: freeze.startsAt.toISOString(), endsAt: freeze.endsAt.toISOString(), reason: freeze.reason } : null;
    },

    /**
     * The ring's health (src/domain/health-gate.ts): installs and failures from the MDM's reports
     * (the targets), crash-free sessions and ANRs from the crash reporter, the new version in the
     * ring's stores against the previous one everywhere.
     */
    async judgeReleaseRing(input: { releaseId: string; previousReleaseId?: string; stores: string[]; since: number; policy: ReleasePolicy; ringSettled?: boolean }) {
      const release = await releaseOf(input.releaseId);
      const previous = input.previousReleaseId ? await releaseOf(input.previousReleaseId) : undefined;
      const names = [releaseName(release.packageName, release.versionName, release.versionCode)];
      if (previous) names.push(releaseName(previous.packageName, previous.versionName, previous.versionCode));
      const sessions = await crashReporter.releaseHealth({ releases: names, since: new Date(input.since - 30 * 86_400_000).toISOString() });
      const healthOf = async (id: string, name: string, stores?: string[]): Promise<VersionHealth> => {
        const where = { releaseId: id, ...(stores ? { storeId: { in: stores } } : {}) };
        const installs = await db.releaseTarget.count({ where: { ...where, status: 'INSTALLED' } });
        const installFailures = await db.releaseTarget.count({ where: { ...where, status: 'FAILED' } });
        const mine = sessions.filter((s) => s.release === name && (!stores || stores.includes(s.storeId)));
        const total = mine.reduce((n, s) => n + s.sessions, 0);
        const weighted = (pick: (s: (typeof mine)[number]) => number | null) => (total === 0 ? null : mine.reduce((sum, s) => sum + (pick(s) ?? 0) * s.sessions, 0) / total);
        return { installs, installFailures, sessions: total, crashFreeRate: weighted((s) => s.crashFreeRate), anrRate: weighted((s) => s.anrRate) };
      };
      const candidate = await healthOf(release.id, names[0]!, input.stores);
      const baseline = previous ? await healthOf(previous.id, names[1]!) : undefined;
      // Every phone of the ring has had its chance: a ring smaller than the gate's install count is judged on the installs it has.
      const settledRing = input.ringSettled ? Math.max(1, candidate.installs + candidate.installFailures) : Infinity;
      const gate = gateFor(input.policy.gate, release.app.gate);
      gate.minInstalls = Math.min(gate.minInstalls, settledRing);
      // A previous version released before phonefleet has no targets: its sessions still count.
      return judgeRing(candidate, baseline, Date.now() - input.since, gate);
    },

    /** The release team is told: a support task (on the ring's first store), audited once. */
    async reportReleaseHalt({ releaseId, ring, storeId, reasons }: { releaseId: string; ring: number; storeId: string; reasons: string[] }): Promise<void> {
      const idempotencyKey = `${releaseId}:halt:${ring}`;
      const summary = `${releaseId} halted in ring ${ring}: ${reasons.join('; ')}`.slice(0, 1000);
      const told = await db.$transaction(async (tx) => {
        const { count } = await tx.supportTask.createMany({ data: [{ idempotencyKey, storeId, kind: 'release-halted', summary }], skipDuplicates: true });
        if (!count) return false;
        await audit(tx, { action: 'release.halted', storeId, details: { releaseId, ring, reasons }, stepKey: idempotencyKey });
        // And an e-mail to the team's mailbox: a support task waits to be looked at, a halt should not.
        return releaseTeamMailbox
          ? enqueueNotification(tx, {
              idempotencyKey,
              storeId,
              recipient: RELEASE_TEAM,
              kind: 'release-halted',
              message: `${summary}. To go on despite the gate: phonefleet release resume ${releaseId}; to stop it and roll back: phonefleet release abort ${releaseId}.`,
              channels: ['email'],
            })
          : false;
      });
      if (told) await wakeNotificationDelivery();
    },

    /** An operator's command, audited once per update. */
    async auditReleaseCommand({ releaseId, action, by, reason, key }: { releaseId: string; action: string; by: string; reason?: string; key: string }): Promise<void> {
      await audit(db, { action: `release.${action}`, details: { releaseId, by, ...(reason ? { reason } : {}) }, stepKey: key });
    },

    /** Phones that installed the release (after an abort: what a rollback release must reach first). */
    async countInstalled({ releaseId }: { releaseId: string }): Promise<number> {
      return db.releaseTarget.count({ where: { releaseId, status: 'INSTALLED' } });
    },

    /** Tags the release's commit in the app's repository and pushes the tag (no repository: nothing to tag). */
    async tagRelease({ releaseId }: { releaseId: string }): Promise<boolean> {
      const release = await releaseOf(releaseId);
      if (!release.app.gitRepository || !releaseGit) return false;
      await releaseGit.tag(release.app.gitRepository, { packageName: release.packageName, versionCode: release.versionCode, commit: release.commit });
      return true;
    },
  };
}

/** Heartbeats when run as an activity (a test may call the function directly). */
function heartbeatIfActivity(): () => void {
  try {
    Context.current();
    return () => heartbeat();
  } catch {
    return () => undefined;
  }
}

/** The plan's figures from the rows (the plan itself when just made). */
function summaryOf(
  rows: { status: string; batch: number; downloadAt: Date; installAt: Date }[],
  now: number,
  plan: { concurrency: number; makespanMs: number; boundMs: number } | undefined,
): StorePlanSummary {
  const batches = new Map<number, { batch: number; startsAt: number; endsAt: number }>();
  for (const r of rows) {
    if (r.batch < 0 || SETTLED.has(r.status)) continue;
    const b = batches.get(r.batch) ?? { batch: r.batch, startsAt: Infinity, endsAt: 0 };
    b.startsAt = Math.min(b.startsAt, r.downloadAt.getTime());
    b.endsAt = Math.max(b.endsAt, r.installAt.getTime());
    batches.set(r.batch, b);
  }
  return {
    targets: rows.length,
    unplaced: rows.filter((r) => r.status === 'UNPLACED').length,
    batches: [...batches.values()].sort((a, b) => a.batch - b.batch),
    concurrency: plan?.concurrency ?? 0,
    makespanMs: plan?.makespanMs ?? Math.max(0, ...rows.map((r) => r.installAt.getTime() - now)),
    boundMs: plan?.boundMs ?? 0,
  };
}

export type ReleaseActivities = ReturnType<typeof createReleaseActivities>;
