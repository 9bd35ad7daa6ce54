// The leasing partner's shipment manifest for a store rollout (issue 10 §2): one row per phone
// it provisioned (IMEI, the SIM's ICCID and number, serial, model), as CSV or JSON. Checked row
// by row before anything is applied: check digits, numbers, duplicates within the file, and
// phones or SIMs the fleet already knows elsewhere. One list of problems, or the rows.
import { parse } from 'csv-parse/sync';
import type { PrismaClient } from '../db/generated/client.ts';
import { isValidIccid, isValidImei } from '../domain/identifiers.ts';

export interface ManifestRow {
  imei: string;
  iccid: string;
  /** The SIM's number, E.164 (+79161234567). */
  msisdn: string;
  serial: string;
  model: string;
}

export interface ManifestProblem {
  field: string;
  message: string;
}

export const MANIFEST_COLUMNS = ['imei', 'iccid', 'msisdn', 'serial', 'model'] as const;
const E164 = /^\+[1-9]\d{7,14}$/;
const SERIAL = /^[A-Za-z0-9-]{4,32}$/;
const MODEL = /^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,63}$/;

/** Rows from CSV text (a header naming the columns) or from JSON objects; unreadable input is one problem. */
export function manifestRows(
  input: string | Record<string, unknown>[],
  field = 'manifest',
): { rows: Record<string, string>[]; problems: ManifestProblem[]; rowLabel: (i: number) => string } {
  if (typeof input !== 'string') {
    return {
      rows: input.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' ? v.trim() : String(v ?? '')]))),
      problems: [],
      rowLabel: (i) => `${field}[${i}]`,
    };
  }
  try {
    const rows = parse(input, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Record<string, string>[];
    const header = Object.keys(rows[0] ?? {});
    const missing = MANIFEST_COLUMNS.filter((c) => rows.length > 0 && !header.includes(c));
    return {
      rows,
      problems: missing.map((c) => ({ field, message: `has no ${c} column (columns: ${MANIFEST_COLUMNS.join(', ')})` })),
      rowLabel: (i) => `${field}[row ${i + 2}]`, // row 1 is the header
    };
  } catch (err) {
    return { rows: [], problems: [{ field, message: `is not readable CSV: ${(err as Error).message}` }], rowLabel: (i) => `${field}[${i}]` };
  }
}

/**
 * Every row checked on its own and against the others and the fleet; the rows only when there
 * is no problem at all (nothing is applied from a manifest with one bad row).
 */
export async function checkManifest(
  db: PrismaClient,
  storeId: string,
  input: string | Record<string, unknown>[],
  field = 'manifest',
): Promise<{ rows: ManifestRow[]; problems: ManifestProblem[] }> {
  const { rows, problems, rowLabel } = manifestRows(input, field);
  if (problems.length) return { rows: [], problems };
  if (rows.length === 0) return { rows: [], problems: [{ field, message: 'has no phones' }] };
  if (rows.length > 5_000) return { rows: [], problems: [{ field, message: `has ${rows.length} phones: at most 5,000 in one shipment` }] };
  const firstSeen = { imei: new Map<string, number>(), iccid: new Map<string, number>(), msisdn: new Map<string, number>(), serial: new Map<string, number>() };
  const checked: ManifestRow[] = [];
  rows.forEach((r, i) => {
    const at = (c: string) => `${rowLabel(i)}.${c}`;
    const row: ManifestRow = { imei: r.imei ?? '', iccid: r.iccid ?? '', msisdn: (r.msisdn ?? '').replace(/[\s()-]/g, ''), serial: r.serial ?? '', model: r.model ?? '' };
    if (!isValidImei(row.imei)) problems.push({ field: at('imei'), message: 'must be a 15-digit IMEI with a valid check digit' });
    if (!isValidIccid(row.iccid)) problems.push({ field: at('iccid'), message: 'must be an ICCID (19-20 digits starting 89, valid check digit)' });
    if (!E164.test(row.msisdn)) problems.push({ field: at('msisdn'), message: 'must be the number in E.164, e.g. +79161234567' });
    if (!SERIAL.test(row.serial)) problems.push({ field: at('serial'), message: 'must be 4-32 letters, digits or "-"' });
    if (!MODEL.test(row.model)) problems.push({ field: at('model'), message: 'must be the model name, e.g. "SM-A256B"' });
    for (const key of ['imei', 'iccid', 'msisdn', 'serial'] as const) {
      const earlier = firstSeen[key].get(row[key]);
      if (row[key] && earlier !== undefined) problems.push({ field: at(key), message: `${row[key]} is also on ${rowLabel(earlier)}` });
      else if (row[key]) firstSeen[key].set(row[key], i);
    }
    checked.push(row);
  });
  // Phones and SIMs the fleet already has: a second shipment of the same store is fine only for the same phone with the same SIM.
  const [devices, sims] = await Promise.all([
    db.device.findMany({
      where: { OR: [{ imei: { in: checked.map((r) => r.imei) } }, { serial: { in: checked.map((r) => r.serial) } }] },
      select: { imei: true, serial: true, storeId: true, state: true },
    }),
    db.sim.findMany({
      where: { OR: [{ iccid: { in: checked.map((r) => r.iccid) } }, { msisdn: { in: checked.map((r) => r.msisdn) } }] },
      select: { iccid: true, msisdn: true, storeId: true },
    }),
  ]);
  const deviceByImei = new Map(devices.map((d) => [d.imei, d]));
  checked.forEach((row, i) => {
    const at = (c: string) => `${rowLabel(i)}.${c}`;
    const device = deviceByImei.get(row.imei);
    if (device && device.storeId !== storeId)
      problems.push({ field: at('imei'), message: `${row.imei} is already a phone of store ${device.storeId} (${device.state.toLowerCase()})` });
    const sameSerial = devices.find((d) => d.serial === row.serial && d.imei !== row.imei);
    if (sameSerial) problems.push({ field: at('serial'), message: `${row.serial} is the serial of another phone (${sameSerial.imei})` });
    for (const sim of sims) {
      if (sim.iccid === row.iccid && sim.storeId !== storeId) problems.push({ field: at('iccid'), message: `${row.iccid} is already a SIM of store ${sim.storeId}` });
      else if (sim.msisdn === row.msisdn && sim.iccid !== row.iccid)
        problems.push({ field: at('msisdn'), message: `${row.msisdn} is already the number of another SIM (${sim.iccid})` });
    }
  });
  return problems.length ? { rows: [], problems: problems.slice(0, 500) } : { rows: checked, problems: [] };
}
