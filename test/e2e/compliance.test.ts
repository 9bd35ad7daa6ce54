// The SIM-owner registration compliance report: the SIMs in people's hands counted per store and
// operator as registered, pending, rejected, missing and (registered but) unconfirmed; stock SIMs
// are not counted. Over the API and the CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPhonefleet } from '../../src/cli/program.ts';
import { startHarness, type Harness } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ fleet: { stores: 2, employeesPerStore: 6, stockPerStore: 2 } });
});
afterAll(async () => h?.close());

describe('compliance report', () => {
  it('counts registered / pending / rejected / missing / unconfirmed per store and operator', async () => {
    const held = await h.db.sim.findMany({ where: { storeId: 'S001', employeeId: { not: null } }, orderBy: { iccid: 'asc' } });
    expect(held.length).toBe(6);
    const [pending, rejected, missing, withdrawn, unconfirmed] = held;
    await h.db.sim.update({ where: { iccid: pending!.iccid }, data: { ownerRegistration: 'PENDING' } });
    await h.db.sim.update({ where: { iccid: rejected!.iccid }, data: { ownerRegistration: 'REJECTED' } });
    await h.db.sim.update({ where: { iccid: missing!.iccid }, data: { ownerRegistration: 'NONE' } });
    await h.db.sim.update({ where: { iccid: withdrawn!.iccid }, data: { ownerRegistration: 'WITHDRAWN' } });
    await h.db.sim.update({ where: { iccid: unconfirmed!.iccid }, data: { ownerConfirmedAt: null } });

    const res = await h.call('GET', '/compliance/sim-registrations');
    expect(res.status).toBe(200);
    const body = await res.json();
    const operator = held[0]!.operator;
    expect(body.rows).toEqual([
      { storeId: 'S001', operator, registered: 2, pending: 1, rejected: 1, missing: 2, unconfirmed: 1 },
      { storeId: 'S002', operator, registered: 6, pending: 0, rejected: 0, missing: 0, unconfirmed: 0 },
    ]);
    expect(body.total).toEqual({ registered: 8, pending: 1, rejected: 1, missing: 2, unconfirmed: 1 });

    const out: string[] = [];
    const code = await runPhonefleet(['compliance'], { settings: () => ({ url: h.api, token: h.token }), output: { out: (l) => out.push(l), err: (l) => out.push(l) } });
    expect(code, out.join('\n')).toBe(0);
    expect(out.join('\n')).toMatch(/S001.*\b2\b.*\b1\b.*\b1\b.*\b2\b.*\b1\b/);
  });
});
