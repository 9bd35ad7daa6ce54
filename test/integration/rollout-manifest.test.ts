// The partner's shipment manifest (issue 10 §2), checked against PostgreSQL: a clean manifest's
// rows come back; one with bad rows is refused whole, every problem named by row and column
// (check digits, numbers, duplicates within it, phones and SIMs the fleet has elsewhere).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { makeIccid, makeImei } from '../../src/domain/identifiers.ts';
import { checkManifest } from '../../src/rollout/manifest.ts';
import { createStoresDatabase, type TestDatabase } from '../support/database.ts';

let test: TestDatabase;
let db: Db;
const imei = (i: number) => makeImei('35999901', i);
const iccid = (i: number) => makeIccid('8970199', 700_000 + i);
const row = (i: number) => ({ imei: imei(i), iccid: iccid(i), msisdn: `+7916${String(1_000_000 + i)}`, serial: `R58N${String(i).padStart(6, '0')}`, model: 'SM-A256B' });
const csvOf = (rows: ReturnType<typeof row>[]) => ['imei,iccid,msisdn,serial,model', ...rows.map((r) => `${r.imei},${r.iccid},${r.msisdn},${r.serial},${r.model}`)].join('\n');

beforeAll(async () => {
  test = await createStoresDatabase([
    { id: 'S001', name: 'One', timeZone: 'Europe/Moscow', uplinkMbps: 100, supportPhone: '+74950000001' },
    { id: 'S007', name: 'Seven', timeZone: 'Europe/Moscow', uplinkMbps: 100, supportPhone: '+74950000007' },
  ]);
  db = test.db.prisma;
  // A phone and a SIM of store S001.
  await db.device.create({
    data: { imei: imei(900), serial: 'OLD000900', model: 'SM-A256B', storeId: 'S001', state: 'IN_STOCK', leaseContract: 'L', warrantyUntil: new Date('2028-01-01') },
  });
  await db.sim.create({ data: { iccid: iccid(901), msisdn: '+79160000901', operator: 'MTS', storeId: 'S001' } });
}, 60_000);
afterAll(async () => test?.drop());

describe('the shipment manifest', () => {
  it('a clean manifest, as CSV and as JSON, gives its rows (numbers normalised)', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => row(i));
    const csv = await checkManifest(db, 'S007', csvOf(rows));
    expect(csv.problems).toEqual([]);
    expect(csv.rows).toHaveLength(300);
    const json = await checkManifest(db, 'S007', [{ ...rows[0]!, msisdn: '+7 916 100-00-00' }]);
    expect(json.rows).toEqual([rows[0]]);
  });

  it('one list of every problem, row by row, and no rows at all', async () => {
    const rows = [
      row(1),
      { ...row(2), imei: imei(2).slice(0, 14) + String((Number(imei(2)[14]) + 1) % 10) }, // wrong check digit
      { ...row(3), iccid: row(1).iccid }, // the SIM of row 2 (line 1) again
      { ...row(4), msisdn: '89161234567' },
      { ...row(5), imei: imei(900) }, // a phone of S001
      { ...row(6), iccid: iccid(901) }, // a SIM of S001
      { ...row(7), msisdn: '+79160000901' }, // another SIM's number
      { ...row(8), serial: 'OLD000900' }, // another phone's serial
    ];
    const { rows: accepted, problems } = await checkManifest(db, 'S007', csvOf(rows));
    expect(accepted).toEqual([]);
    expect(problems).toEqual([
      { field: 'manifest[row 3].imei', message: 'must be a 15-digit IMEI with a valid check digit' },
      { field: 'manifest[row 4].iccid', message: `${row(1).iccid} is also on manifest[row 2]` },
      { field: 'manifest[row 5].msisdn', message: 'must be the number in E.164, e.g. +79161234567' },
      { field: 'manifest[row 6].imei', message: `${imei(900)} is already a phone of store S001 (in_stock)` },
      { field: 'manifest[row 7].iccid', message: `${iccid(901)} is already a SIM of store S001` },
      { field: 'manifest[row 8].msisdn', message: `+79160000901 is already the number of another SIM (${iccid(901)})` },
      { field: 'manifest[row 9].serial', message: `OLD000900 is the serial of another phone (${imei(900)})` },
    ]);
  });

  it('refuses a file without the columns, or empty, naming what is missing', async () => {
    expect((await checkManifest(db, 'S007', 'imei,iccid\n1,2')).problems).toEqual([
      { field: 'manifest', message: 'has no msisdn column (columns: imei, iccid, msisdn, serial, model)' },
      { field: 'manifest', message: 'has no serial column (columns: imei, iccid, msisdn, serial, model)' },
      { field: 'manifest', message: 'has no model column (columns: imei, iccid, msisdn, serial, model)' },
    ]);
    expect((await checkManifest(db, 'S007', 'imei,iccid,msisdn,serial,model\n')).problems).toEqual([{ field: 'manifest', message: 'has no phones' }]);
  });
});
