// The fleet sync's activities: the next page of one pass per call (the operator's: the next pages
// for up to two minutes, see operatorPages) (workflows/fleet-sync-contract.ts).
// Each reads the pass's cursor from its SyncRun row, fetches that page from the system, and
// writes it with the advanced cursor in one transaction (src/inventory/fleet-sync.ts); it returns
// counts only. What the MDM agent reports about a SIM that is not the company's (the personal SIM
// in slot 2) is dropped here, before anything is written, logged or returned.
import { Context, heartbeat } from '@temporalio/activity';
import type { MdmProviderKind } from '../src/db/generated/client.ts';
import { fleetSync } from '../src/inventory/index.ts';
import type { SyncCursor } from '../src/inventory/fleet-sync.ts';
import type { HrRoster } from '../src/systems/hr/api.ts';
import type { MdmDevice } from '../src/systems/shared/mdm-api.ts';
import { PermanentSystemError, RetryableSystemError } from '../src/systems/shared/errors.ts';
import { syncRunRowId, type SyncPageInput, type SyncPageResult } from '../workflows/fleet-sync-contract.ts';
import type { ActivityDeps } from './deps.ts';

/** The operator name recorded for a SIM phonefleet does not have yet (the account's). */
export const OPERATOR_ACCOUNT = 'operator';

/** The first operator pass reads every SIM changed since then (Control Center wants a date). */
const EPOCH = '1970-01-01T00:00:00.000Z';
/**
 * The delta's watermark is the previous finished pass's start, less this (unless the run says
 * otherwise): a SIM changed by a clock a little behind ours is read again rather than missed.
 */
export const WATERMARK_OVERLAP_MS = 60_000;

/**
 * How long one activity call reads operator pages: long enough that the activity's turn-around
 * is rare against the calls, short against its 10-minute timeout.
 */
const OPERATOR_CALL_MS = 2 * 60_000;

/** Tries of one call refused as throttled (or failing for a moment) within a page, before the page itself is retried. */
const CALL_TRIES = 8;

/**
 * A call of a page, tried again in place when the system throttles it (the operator's 40000029)
 * or fails for a moment: retrying the page instead would redo its calls that succeeded, and with
 * a page as long as the rate limit allows, never get to its end.
 */
async function patiently<T>(call: () => Promise<T>, cancelled: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof RetryableSystemError) || attempt >= CALL_TRIES || cancelled.aborted) throw err;
      await new Promise((r) => setTimeout(r, Math.min(err.retryAfterMs ?? 250 * 2 ** attempt, 30_000)));
      heartbeat();
    }
  }
}

export type FleetSyncActivities = ReturnType<typeof createFleetSyncActivities>;

function rosterOf(deps: ActivityDeps): HrRoster {
  const hr = deps.hr as Partial<HrRoster>;
  if (typeof hr.listStores !== 'function' || typeof hr.listEmployees !== 'function') throw new PermanentSystemError('hr', 'the HR adapter cannot list stores and employees');
  return hr as HrRoster;
}

/** The company ICCID among what the agent reports (slot 1 first), or undefined. Nothing else leaves this function. */
function companySimOf(device: MdmDevice, company: Set<string>): string | undefined {
  const reported = [...[...(device.simSlots ?? [])].sort((a, b) => a.slot - b.slot).map((s) => s.iccid), ...(device.iccid ? [device.iccid] : [])];
  return reported.find((iccid) => company.has(iccid));
}

export function createFleetSyncActivities(deps: ActivityDeps) {
  const { db } = deps;

  const result = (pass: fleetSync.SyncPass, pagesBefore: number): SyncPageResult => ({
    done: pass.finished,
    pages: pass.cursor.page,
    pagesWritten: pass.cursor.page - pagesBefore,
    counts: pass.counts,
  });

  /** Keeps Temporal told this attempt is alive while a page's calls are paced. */
  async function alive<T>(work: () => Promise<T>): Promise<T> {
    const ticker = setInterval(() => heartbeat(), 5_000);
    try {
      return await work();
    } finally {
      clearInterval(ticker);
    }
  }

  async function hrStores(input: SyncPageInput, pass: fleetSync.SyncPass): Promise<fleetSync.SyncPass> {
    const stores = await rosterOf(deps).listStores();
    const at = new Date();
    return fleetSync.writePage(db, pass.rowId, pass.cursor, { page: pass.cursor.page + 1, done: true }, (tx) => fleetSync.applyStores(tx, stores, at));
  }

  async function hrEmployees(input: SyncPageInput, pass: fleetSync.SyncPass): Promise<fleetSync.SyncPass> {
    const page = await rosterOf(deps).listEmployees({ pageSize: input.pageSize, ...(pass.cursor.pageToken ? { pageToken: pass.cursor.pageToken } : {}) });
    const next: SyncCursor = page.nextPageToken ? { page: pass.cursor.page + 1, pageToken: page.nextPageToken } : { page: pass.cursor.page + 1, done: true };
    // People new to phonefleet who already work have their directory account already: linked as the joiner links it.
    const known = new Set((await db.employee.findMany({ where: { id: { in: page.employees.map((e) => e.employeeId) } }, select: { id: true } })).map((e) => e.id));
    const accounts = new Map<string, string>();
    for (const e of page.employees) {
      if (e.status !== 'ACTIVE' || known.has(e.employeeId)) continue;
      const user = await deps.directory.findUserByEmployeeId(e.employeeId);
      if (user?.accountEnabled) accounts.set(e.employeeId, user.id);
    }
    const at = new Date();
    return fleetSync.writePage(db, pass.rowId, pass.cursor, next, (tx) => fleetSync.applyRoster(tx, page.employees, at, `${pass.rowId}:${pass.cursor.page}`, accounts));
  }

  /**
   * The operator's pages from where the pass stands, for up to OPERATOR_CALL_MS: the search, then
   * one details call per SIM (the adapter keeps to the operator's pace). Each page is written
   * while the next one's calls go on, so the operator's turn is never left idle for a write: the
   * pass is bounded by the calls alone. Writes stay in page order, each from the cursor the one
   * before left (an overlapping attempt's writes are refused, not doubled).
   */
  async function operatorPages(input: SyncPageInput, pass: fleetSync.SyncPass): Promise<fleetSync.SyncPass> {
    let from = pass.cursor;
    if (from.modifiedSince === undefined) {
      const previous = await fleetSync.lastFinishedPassStart(db, 'operator', pass.rowId);
      from = { ...from, modifiedSince: previous ? new Date(previous.getTime() - (input.watermarkOverlapMs ?? WATERMARK_OVERLAP_MS)).toISOString() : EPOCH };
    }
    const modifiedSince = from.modifiedSince!;
    const cancelled = Context.current().cancellationSignal;
    const until = Date.now() + OPERATOR_CALL_MS;
    // The stored cursor is `pass.cursor` until the first write (the watermark is fixed with it).
    let stored = pass.cursor;
    let writing: Promise<fleetSync.SyncPass> = Promise.resolve(pass);
    for (let pageNumber = from.page + 1; ; pageNumber++) {
      const listed = await patiently(() => deps.operator.listSims({ modifiedSince, pageNumber, pageSize: Math.min(input.pageSize, 50) }), cancelled);
      const reports: fleetSync.OperatorReport[] = [];
      for (const s of listed.sims) {
        if (cancelled.aborted) throw new Error('the page was given up');
        const details = await patiently(() => deps.operator.getSim(s.iccid), cancelled);
        heartbeat();
        const status = details?.status ?? s.status;
        reports.push({ iccid: s.iccid, status, ...(details?.msisdn ? { msisdn: details.msisdn } : {}), ...(details?.dateUpdated ? { dateUpdated: details.dateUpdated } : {}) });
      }
      const next: SyncCursor = { page: pageNumber, modifiedSince, ...(listed.lastPage ? { done: true } : {}) };
      const before = await writing;
      // Another attempt wrote the pass on (or finished it): it has this page; leave it there.
      if (before.finished || before.cursor.page !== stored.page) return before;
      const at = new Date();
      writing = fleetSync.writePage(db, pass.rowId, stored, next, (tx) => fleetSync.applyOperatorSims(tx, OPERATOR_ACCOUNT, reports, at));
      writing.catch(() => undefined); // awaited below or at the next page; not an unhandled rejection meanwhile
      stored = next;
      if (next.done || Date.now() >= until) return writing;
    }
  }

  async function mdmPage(input: SyncPageInput, pass: fleetSync.SyncPass, provider: MdmProviderKind): Promise<fleetSync.SyncPass> {
    const pageNumber = pass.cursor.page + 1;
    const page = await deps.mdm[provider].listDevices({ pageNumber, pageSize: input.pageSize });
    const reported = page.devices.flatMap((d) => [...(d.simSlots ?? []).map((s) => s.iccid), ...(d.iccid ? [d.iccid] : [])]);
    const company = await fleetSync.companyIccids(db, reported);
    // From here on only the company's SIMs exist: the personal ones are not carried further.
    const sightings: fleetSync.Sighting[] = page.devices.map((d) => {
      const iccid = companySimOf(d, company);
      return {
        mdmDeviceId: d.deviceId,
        imei: d.imei,
        serial: d.serial,
        model: d.model,
        ...(iccid ? { companyIccid: iccid } : {}),
        ...(d.userId ? { mdmUserId: d.userId } : {}),
        ...(d.lastSeenAt ? { lastCheckInAt: d.lastSeenAt } : {}),
      };
    });
    const done = page.devices.length === 0 || pageNumber * input.pageSize >= page.total;
    const at = new Date();
    return fleetSync.writePage(db, pass.rowId, pass.cursor, { page: pageNumber, ...(done ? { done: true } : {}) }, (tx) => fleetSync.applySightings(tx, provider, sightings, at));
  }

  return {
    /** The next page of one pass of sync run `syncRunId` (the operator's: the next pages for a while); a pass already finished answers with its counts. */
    async syncFleetPage(input: SyncPageInput): Promise<SyncPageResult> {
      const pass = await fleetSync.openPass(db, { rowId: syncRunRowId(input.syncRunId, input.source), source: input.source, trigger: input.trigger, dryRun: input.dryRun });
      if (pass.finished) return result(pass, pass.cursor.page);
      const written = await alive(() => {
        switch (input.source) {
          case 'hr-stores':
            return hrStores(input, pass);
          case 'hr-employees':
            return hrEmployees(input, pass);
          case 'operator':
            return operatorPages(input, pass);
          case 'mdm-KNOX_MANAGE':
            return mdmPage(input, pass, 'KNOX_MANAGE');
          case 'mdm-SECOND_MDM':
            return mdmPage(input, pass, 'SECOND_MDM');
        }
      });
      return result(written, pass.cursor.page);
    },
  };
}
