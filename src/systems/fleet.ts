// A demo/test fleet as plain data, deterministic for a given seed: stores, employees (with
// fake identity documents, for the HR simulator only), leased phones and corporate SIMs.
// `seedSimulators` loads it into the simulators; the database is seeded from the same data
// elsewhere. Identity data (`Fleet.identities`) must never be written to the database.
//
// Shapes:
// - every existing employee holds one phone (state IN_USE) with one SIM (state IN_USE,
//   ACTIVATED at the operator, owner registration ACCEPTED);
// - each store also has `stockPerStore` phones in stock, each with a SIM the provisioning
//   partner already inserted (state IN_STOCK, INVENTORY at the operator, no registration);
// - every phone is registered in its store's MDM, as the partner does before delivery;
// - the first employee of each store is its head of commercial sector, the curator;
// - HR knows each store's address and opening hours, each employee's department and shifts
//   planned for the 14 days from `shiftsFrom` (drawn from a PRNG of their own, so that adding
//   them changed none of the data drawn before).
import { OFFLINE_LOCK } from '../domain/offline-lock.ts';
import { offlineLockScreen } from '../domain/phone-messages.ts';
import type { MdmProviderName } from './shared/mdm-api.ts';
import type { SimOwnerIdentity, SimStatus } from './operator/api.ts';
import type { HrShift, HrStore, Weekday } from './hr/api.ts';
import { DEPARTMENT_OF_ROLE } from './hr/simulator.ts';
import { addDays, zonedInstant } from '../domain/store-calendar.ts';
import { makeIccid, makeImei } from '../domain/identifiers.ts';
import { roleByCode, type Role, type RoleCode } from '../domain/roles.ts';
import { createPrng, type Prng } from './shared/prng.ts';
import type { RunningSimulators } from './index.ts';

/** The owner named on the seeded phones' offline-lock screens. */
const OFFLINE_LOCK_COMPANY = 'RetailCo';

export interface FleetOptions {
  stores: number;
  employeesPerStore: number;
  stockPerStore: number;
  seed?: number;
  /** "Today" for the generated data (start dates, warranties). Default 2026-01-01. */
  referenceDate?: string;
  /**
   * Prefix of employee ids (default "E"). Employee ids are workflow ids (`employee-<id>`), so
   * fleets that share one Temporal namespace, like parallel test suites, need their own.
   */
  employeeIdPrefix?: string;
  /** First day (YYYY-MM-DD) of the 14 days of shifts HR has planned. Default referenceDate. */
  shiftsFrom?: string;
}

/** Days of shifts HR plans ahead. */
export const PLANNED_SHIFT_DAYS = 14;

export interface FleetStore {
  id: string; // "S001"
  name: string;
  city: string;
  timeZone: string;
  uplinkMbps: number;
  mdmProvider: MdmProviderName;
  supportPhone: string;
  /** Employee id of the store's curator (its head of commercial sector). */
  curatorId?: string;
  /** As HR has it. */
  address: string;
  openingHours: HrStore['openingHours'];
}

export interface FleetEmployee {
  employeeId: string; // "E000123"
  storeId: string;
  position: string;
  roleCode: RoleCode;
  startDate: string; // YYYY-MM-DD
  status: 'ACTIVE';
  /** Id of the employee's account in the directory (Graph user id). */
  directoryUserId: string;
  samAccountName: string;
  /** As HR has it (DEPARTMENT_OF_ROLE). */
  department: string;
  /** HR's plan for the PLANNED_SHIFT_DAYS from `shiftsFrom`, within the store's opening hours. */
  plannedShifts: HrShift[];
}

export interface DeviceModel {
  model: string;
  year: 2016 | 2017;
  /** The 2017 model's battery cannot be removed: a frozen phone cannot be power-cycled by hand. */
  removableBattery: boolean;
  tac: string;
}

export interface FleetDevice {
  imei: string;
  serial: string;
  model: string;
  modelYear: 2016 | 2017;
  storeId: string;
  mdmProvider: MdmProviderName;
  state: 'IN_USE' | 'IN_STOCK';
  employeeId?: string;
  /** The SIM in slot 1, inserted by the provisioning partner. */
  iccid: string;
  /**
   * The employee's own SIM in slot 2, on about 30 % of the phones in use: from another operator
   * (not one of the company's ICCIDs). Personal data: the MDM agent reports it, phonefleet must
   * drop it on arrival; never seed it anywhere but the MDM simulators.
   */
  personalIccid?: string;
  leaseContract: string;
  warrantyUntil: string; // YYYY-MM-DD
}

export interface FleetSim {
  iccid: string;
  msisdn: string;
  operator: string;
  storeId: string;
  state: 'IN_USE' | 'IN_STOCK';
  employeeId?: string;
  /** The phone it sits in. */
  imei: string;
  /** Its status at the operator. */
  operatorStatus: Extract<SimStatus, 'ACTIVATED' | 'INVENTORY'>;
  ownerRegistration: 'ACCEPTED' | 'NONE';
  /** The operator's id of the accepted owner registration (in-use SIMs). */
  ownerRegistrationId?: string;
}

export interface Fleet {
  seed: number;
  referenceDate: string;
  stores: FleetStore[];
  employees: FleetEmployee[];
  devices: FleetDevice[];
  sims: FleetSim[];
  /** Fake passport data by employee id, for the HR simulator only. */
  identities: Record<string, SimOwnerIdentity>;
}

export const DEVICE_MODELS: readonly DeviceModel[] = [
  { model: 'Galaxy J5 (2016)', year: 2016, removableBattery: true, tac: '35900016' },
  { model: 'Galaxy J5 (2017)', year: 2017, removableBattery: false, tac: '35900017' },
];

export const FLEET_OPERATOR = 'CorpMobile';
/** "89" telecom + "7" Russia + "0199" an issuer code no operator uses: fake ICCIDs. */
const ICCID_ISSUER_PREFIX = '8970199';
/** The personal SIMs' (another fake issuer: never one of the company's operator's). */
const PERSONAL_ICCID_ISSUER_PREFIX = '8970288';
/** Share of the phones in use with a personal SIM in slot 2. */
export const PERSONAL_SIM_SHARE = 0.3;

const CITIES: readonly (readonly [string, string])[] = [
  ['Moscow', 'Europe/Moscow'],
  ['Saint Petersburg', 'Europe/Moscow'],
  ['Kazan', 'Europe/Moscow'],
  ['Nizhny Novgorod', 'Europe/Moscow'],
  ['Krasnodar', 'Europe/Moscow'],
  ['Rostov-on-Don', 'Europe/Moscow'],
  ['Voronezh', 'Europe/Moscow'],
  ['Volgograd', 'Europe/Volgograd'],
  ['Samara', 'Europe/Samara'],
  ['Ufa', 'Asia/Yekaterinburg'],
  ['Yekaterinburg', 'Asia/Yekaterinburg'],
  ['Chelyabinsk', 'Asia/Yekaterinburg'],
  ['Perm', 'Asia/Yekaterinburg'],
  ['Omsk', 'Asia/Omsk'],
  ['Novosibirsk', 'Asia/Novosibirsk'],
  ['Krasnoyarsk', 'Asia/Krasnoyarsk'],
];

/**
 * How a store's staff spreads over the roles after its first twelve employees (one per role,
 * curator first). One director and one head of commercial sector per store.
 */
const ROLE_WEIGHTS: readonly (readonly [RoleCode, number])[] = [
  ['SALES_ADVISOR', 40],
  ['CASHIER', 20],
  ['WAREHOUSE_OPERATOR', 10],
  ['CUSTOMER_SERVICE', 8],
  ['RECEIVING_CLERK', 5],
  ['DEPARTMENT_MANAGER', 5],
  ['SECURITY_AGENT', 4],
  ['LOGISTICS_MANAGER', 2],
  ['HR_ADMIN', 1],
  ['IT_SUPPORT', 1],
];

const FIRST_ROLES: readonly RoleCode[] = [
  'COMMERCIAL_HEAD',
  'STORE_MANAGER',
  'SALES_ADVISOR',
  'CASHIER',
  'DEPARTMENT_MANAGER',
  'WAREHOUSE_OPERATOR',
  'RECEIVING_CLERK',
  'CUSTOMER_SERVICE',
  'SECURITY_AGENT',
  'LOGISTICS_MANAGER',
  'HR_ADMIN',
  'IT_SUPPORT',
];

const FIRST_NAMES = ['Ivan', 'Anna', 'Sergey', 'Olga', 'Dmitry', 'Elena', 'Alexey', 'Maria', 'Pavel', 'Natalia', 'Andrey', 'Irina'];
const LAST_NAMES = ['Testov', 'Primerova', 'Obraztsov', 'Demova', 'Fiktivny', 'Maketova', 'Shablonov', 'Probnaya'];

const DAY_MS = 86_400_000;

const STREETS = ['Leningradskoye shosse', 'Prospekt Mira', 'Ulitsa Lenina', 'Sadovaya ulitsa', 'Promyshlennaya ulitsa', 'Koltsevaya doroga'];

/** Weekday of a YYYY-MM-DD date. */
const WEEKDAY_OF: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
function weekdayOf(date: string): Weekday {
  return WEEKDAY_OF[new Date(`${date}T00:00:00Z`).getUTCDay()]!;
}

/** Roles whose people work office hours on weekdays; the others work shifts, two days on, two off. */
const OFFICE_ROLES: ReadonlySet<RoleCode> = new Set(['STORE_MANAGER', 'COMMERCIAL_HEAD', 'LOGISTICS_MANAGER', 'HR_ADMIN', 'IT_SUPPORT']);

const hourOf = (time: string): number => Number(time.slice(0, 2));

/**
 * A person's planned shifts: office roles 09:00-18:00 Monday to Friday; the others 8-hour
 * shifts two days on, two off (from `offset`), opening (morning) or closing (evening) the store.
 * A store has only nine such plans: each is made once and copied.
 */
const plans = new Map<string, HrShift[]>();
function plannedShiftsOf(store: FleetStore, roleCode: RoleCode, from: string, offset: number, evening: boolean): HrShift[] {
  const office = OFFICE_ROLES.has(roleCode);
  const key = JSON.stringify([store.timeZone, store.openingHours, from, office, office ? 0 : offset, office ? false : evening]);
  let plan = plans.get(key);
  if (!plan) {
    plan = [];
    for (let d = 0; d < PLANNED_SHIFT_DAYS; d++) {
      const date = addDays(from, d);
      const day = weekdayOf(date);
      let hours: [number, number] | undefined;
      if (office) {
        if (day !== 'sat' && day !== 'sun') hours = [9, 18];
      } else {
        const open = store.openingHours[day];
        if (open && (d + offset) % 4 < 2) hours = evening ? [hourOf(open[1]) - 8, hourOf(open[1])] : [hourOf(open[0]), hourOf(open[0]) + 8];
      }
      if (hours) plan.push({ startsAt: zonedInstant(date, hours[0], store.timeZone).toISOString(), endsAt: zonedInstant(date, hours[1], store.timeZone).toISOString() });
    }
    if (plans.size > 10_000) plans.clear();
    plans.set(key, plan);
  }
  return plan.map((shift) => ({ ...shift }));
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function hex(prng: Prng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += prng.int(0, 15).toString(16);
  return out;
}

/** A GUID-shaped directory user id, drawn from the PRNG so the fleet stays deterministic. */
function directoryUserId(prng: Prng): string {
  return `${hex(prng, 8)}-${hex(prng, 4)}-4${hex(prng, 3)}-a${hex(prng, 3)}-${hex(prng, 12)}`;
}

/** The last ~8/90 of the stores stayed on the old MDM, as in the story. */
function secondMdmStoreCount(stores: number): number {
  return stores < 2 ? 0 : Math.ceil((stores * 8) / 90);
}

function roleOf(code: RoleCode): Role {
  const role = roleByCode(code);
  if (!role) throw new Error(`unknown role ${code}`);
  return role;
}

/** The demo fleet the simulators and the embedded database start with (`npm start`). */
export const DEMO_FLEET: FleetOptions = { stores: 3, employeesPerStore: 30, stockPerStore: 40, seed: 2026 };

export function generateFleet(options: FleetOptions): Fleet {
  const { stores: storeCount, employeesPerStore, stockPerStore } = options;
  for (const [name, value] of Object.entries({ stores: storeCount, employeesPerStore, stockPerStore })) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  }
  if (storeCount > 999) throw new Error('at most 999 stores');
  const seed = options.seed ?? 1;
  const referenceDate = options.referenceDate ?? '2026-01-01';
  const today = Date.parse(`${referenceDate}T00:00:00Z`);
  if (Number.isNaN(today)) throw new Error('referenceDate must be YYYY-MM-DD');
  const referenceYear = new Date(today).getUTCFullYear();
  const prng = createPrng(seed);
  // HR's extra data (addresses, hours, shifts) from a PRNG of its own: the rest draws as before.
  const hrPrng = createPrng(seed + 7_919);
  // Personal SIMs from one more of their own, for the same reason.
  const personalSimPrng = createPrng(seed + 104_729);
  let personalSimSeq = 0;
  const shiftsFrom = options.shiftsFrom ?? referenceDate;
  if (Number.isNaN(Date.parse(`${shiftsFrom}T00:00:00Z`))) throw new Error('shiftsFrom must be YYYY-MM-DD');

  const fleet: Fleet = { seed, referenceDate, stores: [], employees: [], devices: [], sims: [], identities: {} };
  const serialByModel = new Map<number, number>();
  let employeeSeq = 0;
  let simSeq = 0;
  let registrationSeq = 0;
  const secondMdmFrom = storeCount - secondMdmStoreCount(storeCount);

  const addDeviceWithSim = (store: FleetStore, modelInfo: DeviceModel, holder?: FleetEmployee): void => {
    const sequence = (serialByModel.get(modelInfo.year) ?? 0) + 1;
    serialByModel.set(modelInfo.year, sequence);
    const imei = makeImei(modelInfo.tac, sequence);
    simSeq += 1;
    const iccid = makeIccid(ICCID_ISSUER_PREFIX, simSeq);
    const inUse = holder !== undefined;
    const device: FleetDevice = {
      imei,
      serial: `${modelInfo.year === 2016 ? 'R28H' : 'R58J'}${String(sequence).padStart(7, '0')}`,
      model: modelInfo.model,
      modelYear: modelInfo.year,
      storeId: store.id,
      mdmProvider: store.mdmProvider,
      state: inUse ? 'IN_USE' : 'IN_STOCK',
      iccid,
      leaseContract: `LEASE-${modelInfo.year}-${store.id}`,
      warrantyUntil: `${referenceYear + (modelInfo.year === 2016 ? 1 : 2)}-06-30`,
    };
    const sim: FleetSim = {
      iccid,
      msisdn: `7900${String(simSeq).padStart(7, '0')}`,
      operator: FLEET_OPERATOR,
      storeId: store.id,
      state: inUse ? 'IN_USE' : 'IN_STOCK',
      imei,
      operatorStatus: inUse ? 'ACTIVATED' : 'INVENTORY',
      ownerRegistration: inUse ? 'ACCEPTED' : 'NONE',
    };
    if (holder) {
      device.employeeId = holder.employeeId;
      if (personalSimPrng.next() < PERSONAL_SIM_SHARE) device.personalIccid = makeIccid(PERSONAL_ICCID_ISSUER_PREFIX, ++personalSimSeq);
      sim.employeeId = holder.employeeId;
      registrationSeq += 1;
      sim.ownerRegistrationId = `ORS${String(registrationSeq).padStart(7, '0')}`;
    }
    fleet.devices.push(device);
    fleet.sims.push(sim);
  };

  for (let s = 0; s < storeCount; s++) {
    const [city, timeZone] = CITIES[s % CITIES.length]!;
    const round = Math.floor(s / CITIES.length);
    const id = `S${String(s + 1).padStart(3, '0')}`;
    const store: FleetStore = {
      id,
      name: `RetailCo ${city}${round > 0 ? ` ${round + 1}` : ''}`,
      city,
      timeZone,
      uplinkMbps: prng.pick([50, 100, 100, 200, 300]),
      mdmProvider: s >= secondMdmFrom ? 'SECOND_MDM' : 'KNOX_MANAGE',
      supportPhone: `+7 800 000-${String(s + 1)
        .padStart(4, '0')
        .replace(/^(\d\d)/, '$1-')}`,
      address: `${city}, ${hrPrng.pick(STREETS)}, ${hrPrng.int(1, 250)}`,
      openingHours: (() => {
        const [open, close] = hrPrng.pick([
          ['08:00', '22:00'],
          ['09:00', '21:00'],
          ['08:00', '23:00'],
        ] as const);
        const hours: HrStore['openingHours'] = {};
        for (const day of ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const) hours[day] = [open, close];
        hours.sun = ['10:00', '20:00'];
        return hours;
      })(),
    };
    fleet.stores.push(store);

    for (let e = 0; e < employeesPerStore; e++) {
      const roleCode = e < FIRST_ROLES.length ? FIRST_ROLES[e]! : prng.weighted(ROLE_WEIGHTS);
      const role = roleOf(roleCode);
      const position = prng.pick(role.positions);
      employeeSeq += 1;
      const employeeId = `${options.employeeIdPrefix ?? 'E'}${String(employeeSeq).padStart(6, '0')}`;
      const employee: FleetEmployee = {
        employeeId,
        storeId: id,
        position,
        roleCode: role.code,
        startDate: isoDate(today - prng.int(30, 8 * 365) * DAY_MS),
        status: 'ACTIVE',
        directoryUserId: directoryUserId(prng),
        samAccountName: employeeId.toLowerCase(),
        department: DEPARTMENT_OF_ROLE[role.code],
        plannedShifts: [],
      };
      employee.plannedShifts = plannedShiftsOf(store, role.code, shiftsFrom, hrPrng.int(0, 3), hrPrng.next() < 0.5);
      fleet.employees.push(employee);
      if (roleCode === 'COMMERCIAL_HEAD') store.curatorId ??= employeeId;
      fleet.identities[employeeId] = {
        firstName: prng.pick(FIRST_NAMES),
        lastName: prng.pick(LAST_NAMES),
        birthDate: isoDate(Date.parse(`${prng.int(1965, 2004)}-01-01T00:00:00Z`) + prng.int(0, 364) * DAY_MS),
        nationality: 'RU',
        documentType: prng.next() < 0.9 ? 'PASSPORT' : 'ID_CARD',
        // Series "00 00" is never issued: clearly fake document numbers.
        documentNumber: `00 00 ${String(prng.int(0, 999_999)).padStart(6, '0')}`,
      };
      addDeviceWithSim(store, prng.pick(DEVICE_MODELS), employee);
    }

    // Stock is the newer model: the leases of the 2016 model are not being extended.
    for (let k = 0; k < stockPerStore; k++) addDeviceWithSim(store, DEVICE_MODELS[1]!);
  }
  return fleet;
}

export interface SeedResult {
  /** The MDM's device id of each IMEI (Device.mdmDeviceId). */
  mdmDeviceIds: Record<string, string>;
}

/**
 * Loads the fleet into the running simulators, in-process: phones into their store's MDM and
 * into Knox Guard, SIMs (and the accepted owner registrations of in-use ones) at the operator, stores,
 * employees (department, planned shifts) and identities at HR, accounts in the directory (visible at once: these people exist already).
 * Then saves the simulators' state file, if they have one.
 */
export async function seedSimulators(running: RunningSimulators, fleet: Fleet): Promise<SeedResult> {
  const employees = new Map(fleet.employees.map((e) => [e.employeeId, e]));
  const simsByIccid = new Map(fleet.sims.map((s) => [s.iccid, s]));

  for (const device of fleet.devices) {
    const holder = device.employeeId === undefined ? undefined : employees.get(device.employeeId);
    const sim = simsByIccid.get(device.iccid);
    running.mdm[device.mdmProvider].registerDevice({
      imei: device.imei,
      serial: device.serial,
      model: device.model,
      iccid: device.iccid,
      ...(device.personalIccid ? { personalIccid: device.personalIccid } : {}),
      ...(sim ? { msisdn: sim.msisdn } : {}),
      // phonefleet keeps one device group per store.
      groupId: device.storeId,
      ...(holder ? { userId: holder.directoryUserId, profileId: roleOf(holder.roleCode).profileId, online: true } : {}),
    });
  }

  // The reseller uploaded every leased phone to Knox Guard (Active) when it was bought; phones in
  // use hold the offline-lock policy, set at their hand-over (see activities/offline-lock.ts).
  for (const device of fleet.devices) {
    running.knoxGuard.enrol(device.imei);
    if (device.state !== 'IN_USE') continue;
    const store = fleet.stores.find((s) => s.id === device.storeId)!;
    const screen = offlineLockScreen({ companyName: OFFLINE_LOCK_COMPANY, storeName: store.name, supportPhone: store.supportPhone, language: 'ru' }, OFFLINE_LOCK.days);
    running.knoxGuard.seedOfflineLock(device.imei, { ...OFFLINE_LOCK, message: screen.message, tel: screen.phoneNumber });
  }

  for (const sim of fleet.sims) {
    running.operator.addSim({ iccid: sim.iccid, msisdn: sim.msisdn, status: sim.operatorStatus, imei: sim.imei });
    if (sim.ownerRegistrationId) running.operator.importAcceptedRegistration(sim.ownerRegistrationId, sim.iccid);
  }

  for (const store of fleet.stores) {
    running.hr.addStore({
      storeId: store.id,
      name: store.name,
      timeZone: store.timeZone,
      address: store.address,
      ...(store.curatorId ? { curatorEmployeeId: store.curatorId } : {}),
      openingHours: store.openingHours,
    });
  }
  for (const employee of fleet.employees) {
    running.hr.addEmployee(
      { employeeId: employee.employeeId, storeId: employee.storeId, position: employee.position, startDate: employee.startDate, status: 'ACTIVE' },
      fleet.identities[employee.employeeId],
      { department: employee.department, plannedShifts: employee.plannedShifts },
    );
    running.directory.addAccount({
      id: employee.directoryUserId,
      employeeId: employee.employeeId,
      onPremisesSamAccountName: employee.samAccountName,
      availableAfterMs: 0,
    });
  }
  await running.saveState(); // in-process changes: no request told the state file
  return mdmDeviceIdsOf(running, fleet);
}

/** The MDM's device id of each of the fleet's phones, as the (seeded or restored) MDMs know them. */
export function mdmDeviceIdsOf(running: RunningSimulators, fleet: Fleet): SeedResult {
  const mdmDeviceIds: Record<string, string> = {};
  for (const device of fleet.devices) {
    const mdm = running.mdm[device.mdmProvider];
    const known = mdm.devices.byImei(device.imei);
    if (known) mdmDeviceIds[device.imei] = mdm.apiDeviceId(known);
  }
  return { mdmDeviceIds };
}
