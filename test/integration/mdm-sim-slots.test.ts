// What the MDM agent reports about a dual-SIM phone, through both MDM adapters against their
// simulators over HTTP: simSlots (slot 1 the company SIM from registration, slot 2 the
// employee's own SIM on about 30 % of the demo fleet's phones in use, never one of the
// operator's ICCIDs), the slot-1 `iccid` as before, and lastSeenAt as the last check-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExternalSystems, externalSystemsFromSimulators, startSimulators, type ExternalSystems, type RunningSimulators } from '../../src/systems/index.ts';
import { generateFleet, PERSONAL_SIM_SHARE, seedSimulators, type Fleet } from '../../src/systems/fleet.ts';
import type { MdmDevice, MdmProviderName } from '../../src/systems/shared/mdm-api.ts';
import { makeIccid } from '../../src/domain/identifiers.ts';
import { admin } from '../support/simulator-calls.ts';

let sims: RunningSimulators;
let systems: ExternalSystems;
let fleet: Fleet;

beforeAll(async () => {
  sims = await startSimulators({ seed: 4 });
  fleet = generateFleet({ stores: 3, employeesPerStore: 25, stockPerStore: 3, seed: 21, employeeIdPrefix: 'M' });
  await seedSimulators(sims, fleet);
  systems = createExternalSystems(externalSystemsFromSimulators(sims));
});

afterAll(async () => {
  await sims?.close();
});

async function inventory(provider: MdmProviderName): Promise<MdmDevice[]> {
  const devices: MdmDevice[] = [];
  for (let pageNumber = 1; ; pageNumber++) {
    const page = await systems.mdm[provider].listDevices({ pageNumber, pageSize: 20 });
    devices.push(...page.devices);
    if (devices.length >= page.total || page.devices.length === 0) return devices;
  }
}

const PROVIDERS: MdmProviderName[] = ['KNOX_MANAGE', 'SECOND_MDM'];

describe('MDM SIM slots', () => {
  it('the demo fleet gives about 30 % of the phones in use a personal SIM, never an operator ICCID', () => {
    const inUse = fleet.devices.filter((d) => d.state === 'IN_USE');
    const personal = inUse.filter((d) => d.personalIccid);
    expect(personal.length / inUse.length).toBeGreaterThan(PERSONAL_SIM_SHARE - 0.15);
    expect(personal.length / inUse.length).toBeLessThan(PERSONAL_SIM_SHARE + 0.15);
    const company = new Set(fleet.sims.map((s) => s.iccid));
    expect(personal.some((d) => company.has(d.personalIccid!))).toBe(false);
    expect(fleet.devices.filter((d) => d.state === 'IN_STOCK').some((d) => d.personalIccid)).toBe(false);
    // Fleets stay deterministic for a seed.
    expect(generateFleet({ stores: 3, employeesPerStore: 25, stockPerStore: 3, seed: 21, employeeIdPrefix: 'M' }).devices).toEqual(fleet.devices);
  });

  for (const provider of PROVIDERS) {
    it(`${provider}: listDevices reports slot 1 and the personal slot 2, keeps iccid, and the last check-in`, async () => {
      const listed = await inventory(provider);
      const expected = fleet.devices.filter((d) => d.mdmProvider === provider);
      expect(listed).toHaveLength(expected.length);
      let withPersonal = 0;
      for (const device of expected) {
        const found = listed.find((d) => d.imei === device.imei)!;
        expect(found.iccid).toBe(device.iccid);
        expect(found.simSlots).toEqual([{ slot: 1, iccid: device.iccid }, ...(device.personalIccid ? [{ slot: 2, iccid: device.personalIccid }] : [])]);
        if (device.personalIccid) withPersonal++;
        if (device.state === 'IN_USE') expect(Number.isNaN(Date.parse(found.lastSeenAt!))).toBe(false);
      }
      expect(withPersonal).toBeGreaterThan(0);
    });

    it(`${provider}: follows the agent when a SIM is taken out, put in or moved, and keeps the last check-in of a phone gone silent`, async () => {
      const device = fleet.devices.find((d) => d.mdmProvider === provider && d.state === 'IN_USE' && !d.personalIccid)!;
      const simulator = sims.mdm[provider];
      const mdm = systems.mdm[provider];
      const personal = makeIccid('8970288', 900_000 + PROVIDERS.indexOf(provider));
      await admin(simulator, 'PUT', `/devices/${device.imei}/sim-slots`, { slot2: personal });
      expect((await mdm.findDeviceByImei(device.imei))!.simSlots).toEqual([
        { slot: 1, iccid: device.iccid },
        { slot: 2, iccid: personal },
      ]);
      const moved = makeIccid('8970199', 900_000 + PROVIDERS.indexOf(provider));
      await admin(simulator, 'PUT', `/devices/${device.imei}/sim-slots`, { slot1: moved, slot2: null });
      const after = (await mdm.findDeviceByImei(device.imei))!;
      expect(after.simSlots).toEqual([{ slot: 1, iccid: moved }]);
      expect(after.iccid).toBe(moved);

      const res = await fetch(`${simulator.url}/_sim/devices/${device.imei}/sim-slots`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ slot2: '123' }),
      });
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toMatch(/slot2/);

      await admin(simulator, 'POST', `/devices/${device.imei}/offline`);
      const wentSilentAt = simulator.devices.byImei(device.imei)!.lastSeenAt!;
      await new Promise((r) => setTimeout(r, 30));
      const silent = (await inventory(provider)).find((d) => d.imei === device.imei)!;
      // Headwind has no online flag: a phone counts as online for a while after its last check-in.
      if (provider === 'KNOX_MANAGE') expect(silent.online).toBe(false);
      expect(silent.lastSeenAt).toBe(new Date(Date.parse(wentSilentAt)).toISOString());
    });
  }
});
