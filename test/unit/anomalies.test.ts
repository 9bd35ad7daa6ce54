// The anomaly rules, on generated fleets: a clean fleet shows none; one fault of each kind
// injected into a clean fleet shows exactly that kind; the order of the input changes nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANOMALY_KINDS, detectAnomalies, type AnomalyKind, type FleetSnapshot, type SnapshotDevice, type SnapshotSim } from '../../src/domain/anomalies.ts';

const NOW = new Date('2026-12-02T03:00:00Z');
const POLICY = { simUnseenDays: 30, phoneSilentDays: 14 };
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();
const imeiOf = (n: number) => `35693803${String(n).padStart(7, '0')}`;
const iccidOf = (n: number) => `8970199${String(n).padStart(12, '0')}`;
const msisdnOf = (n: number) => `+7916${String(n).padStart(7, '0')}`;

/** A clean fleet: each active employee holds one phone that reports their SIM; some stock; some people gone with nothing. */
const cleanFleet = fc
  .record({
    active: fc.integer({ min: 2, max: 12 }),
    left: fc.integer({ min: 0, max: 4 }),
    stock: fc.integer({ min: 1, max: 5 }),
    stores: fc.integer({ min: 1, max: 3 }),
    recentDays: fc.integer({ min: 0, max: 13 }),
    noOperatorNumbers: fc.boolean(),
  })
  .map(({ active, left, stock, stores, recentDays, noOperatorNumbers }): FleetSnapshot => {
    const store = (i: number) => `S00${(i % stores) + 1}`;
    const snapshot: FleetSnapshot = { employees: [], devices: [], sims: [], operatorRecords: [], sightings: [] };
    for (let i = 0; i < active; i++) {
      const employeeId = `E${String(i).padStart(6, '0')}`;
      snapshot.employees.push({ id: employeeId, storeId: store(i), status: 'ACTIVE', hrStatus: 'ACTIVE' });
      snapshot.devices.push({ imei: imeiOf(i), storeId: store(i), state: 'IN_USE', employeeId, reportedIccid: iccidOf(i), lastCheckInAt: daysAgo(recentDays) });
      snapshot.sims.push({
        iccid: iccidOf(i),
        storeId: store(i),
        operator: 'mts',
        state: 'IN_USE',
        employeeId,
        msisdn: msisdnOf(i),
        ownerRegistration: 'ACCEPTED',
        operatorStatus: 'ACTIVATED',
        lastSeenAt: daysAgo(recentDays),
      });
      snapshot.operatorRecords.push({ iccid: iccidOf(i), operator: 'mts', msisdn: noOperatorNumbers ? null : msisdnOf(i), status: 'ACTIVATED' });
      snapshot.sightings.push({ imei: imeiOf(i), reportedIccid: iccidOf(i), lastCheckInAt: daysAgo(recentDays), known: true });
    }
    for (let i = 0; i < left; i++) snapshot.employees.push({ id: `L${String(i).padStart(6, '0')}`, storeId: store(i), status: 'LEFT', hrStatus: 'LEFT' });
    for (let i = 0; i < stock; i++) {
      const n = 500 + i;
      snapshot.devices.push({ imei: imeiOf(n), storeId: store(i), state: 'IN_STOCK', employeeId: null, reportedIccid: null, lastCheckInAt: null });
      snapshot.sims.push({
        iccid: iccidOf(n),
        storeId: store(i),
        operator: 'mts',
        state: 'IN_STOCK',
        employeeId: null,
        msisdn: null,
        ownerRegistration: 'NONE',
        operatorStatus: 'INVENTORY',
        lastSeenAt: null,
      });
      snapshot.operatorRecords.push({ iccid: iccidOf(n), operator: 'mts', msisdn: null, status: 'INVENTORY' });
    }
    return snapshot;
  });

type Fault = (f: FleetSnapshot, pick: number) => void;
const heldSim = (f: FleetSnapshot, pick: number): SnapshotSim => {
  const held = f.sims.filter((s) => s.employeeId);
  return held[pick % held.length]!;
};
const phoneOf = (f: FleetSnapshot, employeeId: string): SnapshotDevice => f.devices.find((d) => d.employeeId === employeeId)!;

/** One way to break a clean fleet per kind, touching as little as that takes. */
const FAULTS: Record<AnomalyKind, Fault> = {
  'sim-in-foreign-phone': (f, pick) => {
    // Two colleagues' phones report each other's SIM.
    const a = heldSim(f, pick);
    const b = heldSim(f, pick + 1);
    const [pa, pb] = [phoneOf(f, a.employeeId!), phoneOf(f, b.employeeId!)];
    [pa.reportedIccid, pb.reportedIccid] = [pb.reportedIccid, pa.reportedIccid];
  },
  'sim-not-seen': (f, pick) => {
    const sim = heldSim(f, pick);
    phoneOf(f, sim.employeeId!).reportedIccid = null;
    sim.lastSeenAt = daysAgo(POLICY.simUnseenDays + 1);
  },
  'leaver-sim-active': (f, pick) => {
    // Gone, phone handed back, but the SIM is still switched on.
    const sim = heldSim(f, pick);
    f.employees.find((e) => e.id === sim.employeeId)!.status = 'LEFT';
    Object.assign(phoneOf(f, sim.employeeId!), { employeeId: null, state: 'RETURNED', reportedIccid: null });
  },
  'sim-unregistered': (f, pick) => {
    heldSim(f, pick).ownerRegistration = 'NONE';
  },
  'number-unknown-to-operator': (f, pick) => {
    const sim = heldSim(f, pick);
    f.operatorRecords = f.operatorRecords.filter((r) => r.iccid !== sim.iccid);
  },
  'phone-silent': (f, pick) => {
    phoneOf(f, heldSim(f, pick).employeeId!).lastCheckInAt = daysAgo(POLICY.phoneSilentDays + 1);
  },
  'iccid-in-two-phones': (f, pick) => {
    const stock = f.devices.find((d) => d.state === 'IN_STOCK')!;
    stock.reportedIccid = heldSim(f, pick).iccid;
  },
  'phone-enrolled-for-leaver': (f, pick) => {
    // Gone, SIM dealt with, the phone still enrolled for them.
    const sim = heldSim(f, pick);
    const employeeId = sim.employeeId!;
    f.employees.find((e) => e.id === employeeId)!.hrStatus = 'LEFT';
    phoneOf(f, employeeId).reportedIccid = null;
    Object.assign(sim, { employeeId: null, state: 'SUSPENDED', operatorStatus: 'SUSPENDED' });
  },
  'employee-with-two-phones': (f, pick) => {
    const sim = heldSim(f, pick);
    const spare = f.devices.find((d) => d.state === 'IN_STOCK')!;
    Object.assign(spare, { employeeId: sim.employeeId, state: 'IN_USE', lastCheckInAt: daysAgo(1) });
  },
};

const shuffled = <T>(items: T[], seed: number): T[] => {
  const out = [...items];
  let s = seed || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};

describe('fleet anomalies (src/domain/anomalies.ts)', () => {
  it('a clean fleet has none', () => {
    fc.assert(
      fc.property(cleanFleet, (fleet) => {
        expect(detectAnomalies(fleet, POLICY, NOW)).toEqual([]);
      }),
      { seed: 8, numRuns: 200 },
    );
  });

  it('every kind has a fault that shows it', () => {
    expect(Object.keys(FAULTS).sort()).toEqual([...ANOMALY_KINDS].sort());
  });

  for (const kind of ANOMALY_KINDS) {
    it(`one "${kind}" fault injected into a clean fleet shows exactly that kind`, () => {
      fc.assert(
        fc.property(cleanFleet, fc.nat(), (fleet, pick) => {
          FAULTS[kind](fleet, pick);
          const found = detectAnomalies(fleet, POLICY, NOW);
          expect(found.length).toBeGreaterThan(0);
          expect(new Set(found.map((a) => a.kind))).toEqual(new Set([kind]));
          // Same fault, same subjects: one anomaly per subject.
          expect(new Set(found.map((a) => a.subject)).size).toBe(found.length);
        }),
        { seed: 8, numRuns: 100 },
      );
    });
  }

  it('the order of the input does not matter', () => {
    const anyFaults = fc.subarray([...ANOMALY_KINDS], { minLength: 0 });
    fc.assert(
      fc.property(cleanFleet, anyFaults, fc.nat(), fc.integer({ min: 1, max: 2 ** 30 }), (fleet, kinds, pick, seed) => {
        // Faults may undo each other's preconditions (the phone already gone): any fleet will do here.
        for (const [i, kind] of kinds.entries()) {
          try {
            FAULTS[kind](fleet, pick + i);
          } catch {}
        }
        const reordered: FleetSnapshot = {
          employees: shuffled(fleet.employees, seed),
          devices: shuffled(fleet.devices, seed + 1),
          sims: shuffled(fleet.sims, seed + 2),
          operatorRecords: shuffled(fleet.operatorRecords, seed + 3),
          sightings: shuffled(fleet.sightings, seed + 4),
        };
        expect(detectAnomalies(reordered, POLICY, NOW)).toEqual(detectAnomalies(fleet, POLICY, NOW));
      }),
      { seed: 8, numRuns: 200 },
    );
  });

  it('N days come from the policy: one day more or less decides "silent" and "not seen"', () => {
    const fleet = fc.sample(cleanFleet, { seed: 3, numRuns: 1 })[0]!;
    const device = fleet.devices.find((d) => d.employeeId)!;
    device.lastCheckInAt = daysAgo(10);
    expect(detectAnomalies(fleet, { simUnseenDays: 30, phoneSilentDays: 14 }, NOW)).toEqual([]);
    expect(detectAnomalies(fleet, { simUnseenDays: 30, phoneSilentDays: 9 }, NOW).map((a) => [a.kind, a.subject])).toEqual([['phone-silent', device.imei]]);
  });

  it('a SIM in an unknown phone (seen only by an MDM) is in a foreign phone; an operator never read knows no numbers', () => {
    const fleet = fc.sample(cleanFleet, { seed: 5, numRuns: 1 })[0]!;
    const sim = fleet.sims.find((s) => s.employeeId)!;
    phoneOf(fleet, sim.employeeId!).reportedIccid = null;
    fleet.sightings.push({ imei: imeiOf(900), reportedIccid: sim.iccid, lastCheckInAt: daysAgo(0), known: false });
    fleet.operatorRecords = [];
    expect(detectAnomalies(fleet, POLICY, NOW)).toEqual([
      { kind: 'sim-in-foreign-phone', subject: sim.iccid, storeId: sim.storeId, employeeId: sim.employeeId, details: { imei: imeiOf(900), phoneHolder: null, knownPhone: false } },
    ]);
  });
});
