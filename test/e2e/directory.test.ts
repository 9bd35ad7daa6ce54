// The phone directory over the HTTP API and the CLI: a person found by number, SIM, phone or id,
// with the history of who had what kept when a SIM or a phone changes hands; the CSV export
// quoted as RFC 4180 says; bad searches 400 naming the field. Refreshed from the records by
// directory.refreshDirectory (what reconcileFleet calls after each sync).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directory } from '../../src/inventory/index.ts';
import { csvField } from '../../src/api/routes/directory.ts';
import { runPhonefleet } from '../../src/cli/program.ts';
import { startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ fleet: { stores: 1, employeesPerStore: 4, stockPerStore: 3 } });
});
afterAll(async () => h?.close());

const holders = async () =>
  h.db.employee
    .findMany({ where: { status: 'ACTIVE' }, include: { devices: true, sims: true }, orderBy: { id: 'asc' } })
    .then((es) => es.filter((e) => e.devices.length && e.sims.length));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runPhonefleet(args, { settings: () => ({ url: h.api, token: h.token }), output: { out: (l) => out.push(l), err: (l) => err.push(l) } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('the phone directory', () => {
  it('refreshes from the records: each holder with number, SIM and phone; again changes nothing', async () => {
    const people = await holders();
    const first = await directory.refreshDirectory(h.db, { now: new Date('2026-11-01T00:00:00Z'), dryRun: false });
    expect(first.closed).toEqual([]);
    expect(first.opened).toHaveLength(people.length);
    for (const p of people) {
      expect(first.opened).toContainEqual({ employeeId: p.id, iccid: p.sims[0]!.iccid, msisdn: p.sims[0]!.msisdn, imei: p.devices[0]!.imei });
    }
    expect(await directory.refreshDirectory(h.db, { now: new Date('2026-11-02T00:00:00Z'), dryRun: false })).toEqual({ opened: [], closed: [] });
  });

  it('finds a person by number (any spelling) and by IMEI; a SIM that changes hands keeps its history', async () => {
    const [alice, bob] = await holders();
    const aliceSim = alice!.sims[0]!;
    const number = aliceSim.msisdn!;

    const byNumber = await (await h.call('GET', `/directory?number=${encodeURIComponent(`+${number.slice(0, 1)} (${number.slice(1, 4)}) ${number.slice(4)}`)}`)).json();
    expect(byNumber.current).toEqual([expect.objectContaining({ employeeId: alice!.id, msisdn: number, iccid: aliceSim.iccid, imei: alice!.devices[0]!.imei, until: null })]);
    const byImei = await (await h.call('GET', `/directory?imei=${alice!.devices[0]!.imei}`)).json();
    expect(byImei.current.map((l: { employeeId: string }) => l.employeeId)).toEqual([alice!.id]);

    // Alice's SIM goes to Bob (Bob's own is retired); the dry run only says so.
    await h.db.sim.update({ where: { iccid: bob!.sims[0]!.iccid }, data: { state: 'RETIRED', employeeId: null } });
    await h.db.sim.update({ where: { iccid: aliceSim.iccid }, data: { employeeId: bob!.id } });
    const dry = await directory.refreshDirectory(h.db, { now: new Date('2026-11-10T00:00:00Z'), dryRun: true });
    expect(dry.opened).toEqual([{ employeeId: bob!.id, iccid: aliceSim.iccid, msisdn: number, imei: bob!.devices[0]!.imei }]);
    expect((await (await h.call('GET', `/directory?number=${number}`)).json()).history).toEqual([]);

    const real = await directory.refreshDirectory(h.db, { now: new Date('2026-11-10T00:00:00Z'), dryRun: false });
    expect(real.opened).toEqual(dry.opened);
    expect(real.closed).toEqual(
      expect.arrayContaining([expect.objectContaining({ employeeId: alice!.id, iccid: aliceSim.iccid }), expect.objectContaining({ employeeId: bob!.id })]),
    );

    const after = await (await h.call('GET', `/directory?number=${number}`)).json();
    expect(after.current).toEqual([expect.objectContaining({ employeeId: bob!.id, since: '2026-11-10T00:00:00.000Z', until: null })]);
    expect(after.history).toEqual([expect.objectContaining({ employeeId: alice!.id, since: '2026-11-01T00:00:00.000Z', until: '2026-11-10T00:00:00.000Z' })]);
    // Alice by id: nothing now, her number in the history.
    const aliceNow = await (await h.call('GET', `/directory?employee=${alice!.id}`)).json();
    expect(aliceNow.current).toEqual([]);
    expect(aliceNow.history.map((l: { msisdn: string }) => l.msisdn)).toEqual([number]);

    // The CLI: the same search, as a table and as the API's JSON.
    const text = await cli(['directory', 'find', '--number', number]);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain(bob!.id);
    expect(text.out).toMatch(/Before:[\s\S]*2026-11-10/);
    const json = await cli(['directory', 'find', '--imei', bob!.devices[0]!.imei, '--json']);
    expect(JSON.parse(json.out).current.map((l: { iccid: string }) => l.iccid)).toEqual([aliceSim.iccid]);
    expect((await cli(['directory', 'find', '--number', number, '--imei', bob!.devices[0]!.imei])).code).toBe(2);
  });

  it('bad searches are 400 naming the field: none or two given, a malformed number, IMEI or ICCID', async () => {
    const fields = async (query: string) => {
      const res = await h.call('GET', `/directory${query}`);
      expect(res.status, query).toBe(400);
      return (await res.json()).problems.map((p: { field: string }) => p.field);
    };
    expect(await fields('')).toEqual(['query.employee', 'query.number', 'query.iccid', 'query.imei']);
    expect(await fields('?employee=E1&imei=490154203237518')).toEqual(['query.employee', 'query.imei']);
    expect(await fields('?number=call-me')).toEqual(['query.number']);
    expect(await fields('?imei=490154203237519')).toEqual(['query.imei']);
    expect(await fields('?iccid=123')).toEqual(['query.iccid']);
    expect((await (await h.call('GET', '/directory?imei=490154203237518')).json()).current).toEqual([]);
  });

  it('exports CSV: a header, current links only by default, every link with history=true', async () => {
    const res = await h.call('GET', '/directory.csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await res.text()).split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('employeeId,storeId,msisdn,iccid,imei,since,until');
    const open = await h.db.directoryLink.count({ where: { until: null } });
    expect(lines).toHaveLength(open + 1);
    for (const line of lines.slice(1)) expect(line).toMatch(/^[^,]+,S001,\d*,89\d+,\d*,\d{4}-[^,]+Z,$/);
    const all = (await (await h.call('GET', '/directory.csv?history=true')).text()).split('\r\n').filter(Boolean);
    expect(all).toHaveLength((await h.db.directoryLink.count()) + 1);
    expect((await h.call('GET', '/directory.csv?history=maybe')).status).toBe(400);
  });

  it('quotes CSV fields as RFC 4180 and keeps formulas out of spreadsheets', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+79001234567')).toBe('+79001234567');
    expect(csvField(null)).toBe('');
  });
});
