// The questions several activities ask of the records: which role a position maps to, who the
// employee is and which phone they carry, whom a store's staff call, which device an IMEI is.
import type { Db } from '../db/client.ts';
import type { Device, Sim, Store } from '../db/generated/client.ts';
import type { StoreContact } from '../domain/phone-messages.ts';
import type { DbOrTx } from './audit.ts';
import { UnknownRecord } from './errors.ts';

/** What a person still holds while leaving: a phone in use or already locked, a SIM in service or suspended. */
export const PHONE_HELD = ['IN_USE', 'LOCKED', 'BRICKED', 'ENROLLED'] as const satisfies Device['state'][];
export const SIM_HELD = ['IN_USE', 'SUSPENDED'] as const satisfies Sim['state'][];

export async function storeById(db: DbOrTx, storeId: string): Promise<Store> {
  const store = await db.store.findUnique({ where: { id: storeId } });
  if (!store) throw new UnknownRecord('UnknownStore', `store ${storeId} does not exist`);
  return store;
}

/** The role HR's position maps to, with its apps. */
export async function roleByPosition(db: DbOrTx, position: string) {
  const role = await db.role.findFirst({ where: { positions: { has: position } }, include: { apps: { include: { app: true } } } });
  if (!role) throw new UnknownRecord('UnknownPosition', `position ${position} maps to no role`);
  return role;
}

export async function employeeById(db: DbOrTx, employeeId: string) {
  const employee = await db.employee.findUnique({ where: { id: employeeId } });
  if (!employee) throw new UnknownRecord('UnknownEmployee', `employee ${employeeId} is not known to phonefleet`);
  return employee;
}

/** The employee with role (and its apps), store, devices and SIMs; `phone`: the one in use. */
export async function employeeWithPhone(db: DbOrTx, employeeId: string) {
  const employee = await db.employee.findUnique({ where: { id: employeeId }, include: { role: { include: { apps: true } }, store: true, devices: true, sims: true } });
  if (!employee) throw new UnknownRecord('UnknownEmployee', `employee ${employeeId} is not known to phonefleet`);
  return { employee, phone: employee.devices.find((d) => d.state === 'IN_USE') };
}

/** Of someone's devices and SIMs, the phone and SIM they still hold (see PHONE_HELD, SIM_HELD). */
export function heldBy(holdings: { devices: Device[]; sims: Sim[] }): { phone?: Device; sim?: Sim } {
  return {
    phone: holdings.devices.find((d) => (PHONE_HELD as readonly string[]).includes(d.state)),
    sim: holdings.sims.find((s) => (SIM_HELD as readonly string[]).includes(s.state)),
  };
}

/** Whom the store's staff call, as lock screens and messages name it. */
export function contactOf(store: Pick<Store, 'name' | 'supportPhone' | 'language'>, companyName: string): StoreContact {
  return { companyName, storeName: store.name, supportPhone: store.supportPhone, language: store.language };
}

export async function storeContact(db: DbOrTx, storeId: string, companyName: string): Promise<StoreContact> {
  return contactOf(await storeById(db, storeId), companyName);
}

export async function deviceByImei(db: DbOrTx, imei: string): Promise<Device> {
  const device = await db.device.findUnique({ where: { imei } });
  if (!device) throw new UnknownRecord('UnknownDevice', `device ${imei} is not in phonefleet's inventory`);
  return device;
}

export async function deviceWithStore(db: DbOrTx, imei: string) {
  const device = await db.device.findUnique({ where: { imei }, include: { store: true } });
  if (!device) throw new UnknownRecord('UnknownDevice', `device ${imei} is not in phonefleet's inventory`);
  return device;
}

export async function simByIccid(db: DbOrTx, iccid: string): Promise<Sim> {
  const sim = await db.sim.findUnique({ where: { iccid } });
  if (!sim) throw new UnknownRecord('UnknownSim', `SIM ${iccid} is not in phonefleet's inventory`);
  return sim;
}

/** The SIM that goes with a device: the one its holder carries (a stock device has none). */
export async function simOfDevice(db: DbOrTx, device: Pick<Device, 'employeeId'>): Promise<Sim | undefined> {
  if (!device.employeeId) return undefined;
  return (await db.sim.findFirst({ where: { employeeId: device.employeeId }, orderBy: { iccid: 'asc' } })) ?? undefined;
}

/** The phone the employee uses now, if any. */
export async function phoneInUse(db: DbOrTx, employeeId: string): Promise<Device | undefined> {
  return (await db.device.findFirst({ where: { employeeId, state: 'IN_USE' } })) ?? undefined;
}

/** IMEIs of the phones in use (of one store, or all), in IMEI order. */
export async function phonesInUse(db: Db, storeId?: string): Promise<string[]> {
  const devices = await db.device.findMany({ where: { state: 'IN_USE', ...(storeId ? { storeId } : {}) }, select: { imei: true }, orderBy: { imei: 'asc' } });
  return devices.map((d) => d.imei);
}
