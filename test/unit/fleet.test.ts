import { describe, it, expect } from 'vitest';
import { isValidIccid, isValidImei } from '../../src/domain/identifiers.ts';
import { KNOWN_POSITIONS, ROLES, roleForPosition } from '../../src/domain/roles.ts';
import { DEVICE_MODELS, generateFleet } from '../../src/systems/fleet.ts';

const options = { stores: 12, employeesPerStore: 30, stockPerStore: 5, seed: 42 };

describe('generateFleet', () => {
  const fleet = generateFleet(options);

  it('produces the requested counts', () => {
    expect(fleet.stores).toHaveLength(12);
    expect(fleet.employees).toHaveLength(12 * 30);
    expect(fleet.devices).toHaveLength(12 * (30 + 5));
    expect(fleet.sims).toHaveLength(fleet.devices.length);
    expect(fleet.devices.filter((d) => d.state === 'IN_STOCK')).toHaveLength(12 * 5);
    expect(Object.keys(fleet.identities)).toHaveLength(fleet.employees.length);
    for (const store of fleet.stores) {
      expect(fleet.employees.filter((e) => e.storeId === store.id)).toHaveLength(30);
      expect(fleet.devices.filter((d) => d.storeId === store.id && d.state === 'IN_STOCK')).toHaveLength(5);
    }
  });

  it('numbers stores and employees as the business does', () => {
    expect(fleet.stores.map((s) => s.id).slice(0, 3)).toEqual(['S001', 'S002', 'S003']);
    for (const e of fleet.employees) expect(e.employeeId).toMatch(/^E\d{6}$/);
    expect(new Set(fleet.employees.map((e) => e.employeeId)).size).toBe(fleet.employees.length);
  });

  it('generates only valid, unique IMEIs, serials and ICCIDs', () => {
    for (const d of fleet.devices) expect(isValidImei(d.imei), d.imei).toBe(true);
    for (const s of fleet.sims) {
      expect(isValidIccid(s.iccid), s.iccid).toBe(true);
      expect(s.iccid.startsWith('89')).toBe(true);
    }
    expect(new Set(fleet.devices.map((d) => d.imei)).size).toBe(fleet.devices.length);
    expect(new Set(fleet.devices.map((d) => d.serial)).size).toBe(fleet.devices.length);
    expect(new Set(fleet.sims.map((s) => s.iccid)).size).toBe(fleet.sims.length);
    expect(new Set(fleet.sims.map((s) => s.msisdn)).size).toBe(fleet.sims.length);
  });

  it("uses each model's TAC, and only the two models of the story", () => {
    for (const d of fleet.devices) {
      const model = DEVICE_MODELS.find((m) => m.model === d.model);
      expect(model, d.model).toBeDefined();
      expect(d.imei.slice(0, 8)).toBe(model!.tac);
      expect(d.modelYear).toBe(model!.year);
    }
    expect(new Set(fleet.devices.map((d) => d.modelYear))).toEqual(new Set([2016, 2017]));
  });

  it('gives every employee one phone with one SIM, and pairs each SIM with its phone', () => {
    const deviceByImei = new Map(fleet.devices.map((d) => [d.imei, d]));
    for (const e of fleet.employees) {
      const devices = fleet.devices.filter((d) => d.employeeId === e.employeeId);
      const sims = fleet.sims.filter((s) => s.employeeId === e.employeeId);
      expect(devices).toHaveLength(1);
      expect(sims).toHaveLength(1);
      expect(devices[0]!.iccid).toBe(sims[0]!.iccid);
      expect(devices[0]!.state).toBe('IN_USE');
      expect(sims[0]!.operatorStatus).toBe('ACTIVATED');
      expect(sims[0]!.ownerRegistration).toBe('ACCEPTED');
      expect(sims[0]!.ownerRegistrationId).toBeTruthy();
    }
    for (const s of fleet.sims) {
      const device = deviceByImei.get(s.imei)!;
      expect(device.iccid).toBe(s.iccid);
      expect(device.storeId).toBe(s.storeId);
      if (s.state === 'IN_STOCK') {
        expect(s.employeeId).toBeUndefined();
        expect(s.operatorStatus).toBe('INVENTORY');
        expect(s.ownerRegistration).toBe('NONE');
      }
    }
  });

  it('uses known positions, covers the 12 roles and names a commercial head as curator', () => {
    for (const e of fleet.employees) {
      expect(KNOWN_POSITIONS).toContain(e.position);
      expect(roleForPosition(e.position)?.code).toBe(e.roleCode);
    }
    for (const store of fleet.stores) {
      const staff = fleet.employees.filter((e) => e.storeId === store.id);
      expect(new Set(staff.map((e) => e.roleCode)).size).toBe(ROLES.length);
      const curator = staff.find((e) => e.employeeId === store.curatorId);
      expect(curator?.roleCode).toBe('COMMERCIAL_HEAD');
    }
  });

  it('keeps most stores on Knox Manage and a few on the second MDM, devices following their store', () => {
    const onSecond = fleet.stores.filter((s) => s.mdmProvider === 'SECOND_MDM');
    expect(onSecond.length).toBeGreaterThan(0);
    expect(onSecond.length).toBeLessThan(fleet.stores.length / 2);
    const storeById = new Map(fleet.stores.map((s) => [s.id, s]));
    for (const d of fleet.devices) expect(d.mdmProvider).toBe(storeById.get(d.storeId)!.mdmProvider);
    expect(generateFleet({ ...options, stores: 90 }).stores.filter((s) => s.mdmProvider === 'SECOND_MDM')).toHaveLength(8);
  });

  it('fills store and device fields with plausible values', () => {
    for (const s of fleet.stores) {
      expect(() => new Intl.DateTimeFormat('en', { timeZone: s.timeZone })).not.toThrow();
      expect(s.uplinkMbps).toBeGreaterThan(0);
      expect(s.supportPhone).toMatch(/^\+7 800/);
    }
    for (const d of fleet.devices) {
      expect(d.warrantyUntil).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(d.leaseContract).toContain(d.storeId);
    }
    for (const e of fleet.employees) {
      expect(e.startDate < fleet.referenceDate).toBe(true);
      expect(e.directoryUserId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('uses clearly fake identity documents', () => {
    for (const identity of Object.values(fleet.identities)) {
      expect(identity.documentNumber).toMatch(/^00 00 \d{6}$/);
      expect(['PASSPORT', 'ID_CARD']).toContain(identity.documentType);
      expect(identity.birthDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('is deterministic for a seed and differs across seeds', () => {
    expect(generateFleet(options)).toEqual(fleet);
    const other = generateFleet({ ...options, seed: 43 });
    expect(other.employees.map((e) => e.position)).not.toEqual(fleet.employees.map((e) => e.position));
  });

  it('handles empty and tiny fleets', () => {
    const empty = generateFleet({ stores: 0, employeesPerStore: 10, stockPerStore: 10 });
    expect(empty.devices).toEqual([]);
    const tiny = generateFleet({ stores: 1, employeesPerStore: 1, stockPerStore: 0 });
    expect(tiny.stores[0]!.curatorId).toBe(tiny.employees[0]!.employeeId);
    expect(tiny.stores[0]!.mdmProvider).toBe('KNOX_MANAGE');
    expect(() => generateFleet({ stores: -1, employeesPerStore: 1, stockPerStore: 0 })).toThrow();
  });
});
