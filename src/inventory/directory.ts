// The phone directory: who has which corporate number, SIM and phone, since when. Support and
// the stores call people through it. Each link is one (employee, SIM, number, phone) as the
// records show it; when any part changes the link is closed (`until`) and a new one opened, so
// the history stays. Employee ids only: the curator's view resolves names from HR elsewhere.
import type { Db } from '../db/client.ts';
import type { DirectoryLink, Prisma } from '../db/generated/client.ts';
import type { DbOrTx } from './audit.ts';

/** A SIM in these states is in its holder's hands (a suspended one still carries their number). */
const HELD_SIM_STATES = ['IN_USE', 'SUSPENDED'] as const;

export interface DirectoryEntry {
  employeeId: string;
  iccid: string;
  msisdn: string | null;
  imei: string | null;
}

export interface DirectoryRefresh {
  opened: DirectoryEntry[];
  closed: DirectoryEntry[];
}

const keyOf = (e: DirectoryEntry): string => [e.employeeId, e.iccid, e.msisdn ?? '', e.imei ?? ''].join('|');

/** The directory as the records show it now: each held SIM with its number and its holder's phone. */
export async function currentEntries(db: DbOrTx): Promise<DirectoryEntry[]> {
  const sims = await db.sim.findMany({
    where: { employeeId: { not: null }, state: { in: [...HELD_SIM_STATES] } },
    select: { iccid: true, msisdn: true, employeeId: true },
    orderBy: { iccid: 'asc' },
  });
  const phones = await db.device.findMany({
    where: { employeeId: { not: null }, state: 'IN_USE' },
    select: { imei: true, employeeId: true, reportedIccid: true },
    orderBy: { imei: 'asc' },
  });
  // By holder (a scan of every phone for every SIM was 31,000 x 31,000 at the fleet's size).
  const byHolder = new Map<string, typeof phones>();
  for (const phone of phones) byHolder.set(phone.employeeId!, [...(byHolder.get(phone.employeeId!) ?? []), phone]);
  return sims.map((sim) => {
    const theirs = byHolder.get(sim.employeeId!) ?? [];
    // The phone the SIM is in, else the one phone the person holds.
    const phone = theirs.find((p) => p.reportedIccid === sim.iccid) ?? (theirs.length === 1 ? theirs[0] : undefined);
    return { employeeId: sim.employeeId!, iccid: sim.iccid, msisdn: sim.msisdn, imei: phone?.imei ?? null };
  });
}

/**
 * Brings DirectoryLink up to date with the records at `now`: links that no longer hold are
 * closed (until = now), new ones opened (since = now). Running it again changes nothing. Dry
 * run: what would change, nothing written.
 */
export async function refreshDirectory(db: Db, { now, dryRun }: { now: Date; dryRun: boolean }): Promise<DirectoryRefresh> {
  const work = async (tx: Prisma.TransactionClient): Promise<DirectoryRefresh> => {
    // One refresh at a time: two would both open the same new link.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('phonefleet:directory'))`;
    const current = await currentEntries(tx);
    const open = await tx.directoryLink.findMany({ where: { until: null } });
    const wanted = new Map(current.map((e) => [keyOf(e), e]));
    const openKeys = new Set(open.map(keyOf));
    const closing = open.filter((link) => !wanted.has(keyOf(link)));
    const opening = current.filter((e) => !openKeys.has(keyOf(e)));
    if (!dryRun) {
      if (closing.length) await tx.directoryLink.updateMany({ where: { id: { in: closing.map((l) => l.id) } }, data: { until: now } });
      if (opening.length) await tx.directoryLink.createMany({ data: opening.map((e) => ({ ...e, since: now })) });
    }
    return { opened: opening, closed: closing.map(({ employeeId, iccid, msisdn, imei }) => ({ employeeId, iccid, msisdn, imei })) };
  };
  return db.$transaction(work);
}

export type DirectoryQuery = { employee: string } | { number: string } | { iccid: string } | { imei: string };

/** Digits only, the country code kept: "+7 (916) 000-00-01" and "79160000001" are one number. */
export const numberDigits = (msisdn: string): string => msisdn.replace(/\D/g, '');

/**
 * Every link of the people the query finds (a number, SIM or phone leads to whoever had it, at
 * any time), current ones first, then the history, newest first.
 */
export async function findInDirectory(db: Db, query: DirectoryQuery): Promise<{ current: DirectoryLink[]; history: DirectoryLink[] }> {
  let links: DirectoryLink[];
  if ('employee' in query) links = await db.directoryLink.findMany({ where: { employeeId: query.employee } });
  else if ('iccid' in query) links = await db.directoryLink.findMany({ where: { iccid: query.iccid } });
  else if ('imei' in query) links = await db.directoryLink.findMany({ where: { imei: query.imei } });
  else {
    const digits = numberDigits(query.number);
    links = await db.$queryRaw<DirectoryLink[]>`SELECT * FROM "DirectoryLink" WHERE regexp_replace(coalesce(msisdn, ''), '\\D', '', 'g') = ${digits}`;
  }
  const order = (a: DirectoryLink, b: DirectoryLink) => b.since.getTime() - a.since.getTime() || b.id - a.id;
  return { current: links.filter((l) => l.until === null).sort(order), history: links.filter((l) => l.until !== null).sort(order) };
}

/** The directory for export: the current links (with `history`, every link), by employee. */
export async function directoryExport(db: Db, { history }: { history: boolean }): Promise<(DirectoryLink & { storeId: string | null })[]> {
  const links = await db.directoryLink.findMany({ where: history ? {} : { until: null }, orderBy: [{ employeeId: 'asc' }, { since: 'asc' }, { id: 'asc' }] });
  const stores = new Map(
    (await db.employee.findMany({ where: { id: { in: [...new Set(links.map((l) => l.employeeId))] } }, select: { id: true, storeId: true } })).map((e) => [e.id, e.storeId]),
  );
  return links.map((l) => ({ ...l, storeId: stores.get(l.employeeId) ?? null }));
}
