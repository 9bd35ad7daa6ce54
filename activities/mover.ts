// The mover's side effects: a new role's profile and apps on the phone, or a move to another
// store's group, stock records and, when the stores use different MDMs, to the other MDM.
import type { Move } from '../workflows/hr-events.ts';
import { activeFreeze } from '../src/domain/freezes.ts';
import { roleChanged } from '../src/domain/phone-messages.ts';
import { permanent } from './boundary.ts';
import type { ActivityDeps } from './deps.ts';
import { managedPhone, sendOnce } from './device-commands.ts';
import { actor, audit, createRecordActivities } from './records.ts';

export interface MoveApplied {
  summary: string;
  appsAdded?: string[];
  appsRemoved?: string[];
  fromStore?: string;
  toStore?: string;
  mdmMoved?: boolean;
}

export function createMoverActivities(deps: ActivityDeps) {
  const { db, mdm, companyName } = deps;

  async function employeeWithPhone(employeeId: string) {
    const employee = await db.employee.findUnique({ where: { id: employeeId }, include: { role: { include: { apps: true } }, store: true, devices: true, sims: true } });
    if (!employee) throw permanent('UnknownEmployee', `employee ${employeeId} is not known to phonefleet`);
    return { employee, phone: employee.devices.find((d) => d.state === 'IN_USE') };
  }

  return {
    ...createRecordActivities(deps),

    /** A role change concerns the employee's store; a transfer both stores. */
    async storesConcerned({ employeeId, move }: { employeeId: string; move: Move }): Promise<string[]> {
      const { employee } = await employeeWithPhone(employeeId);
      if (move.kind === 'transfer' && !(await db.store.findUnique({ where: { id: move.storeId } }))) {
        throw permanent('UnknownStore', `store ${move.storeId} does not exist`);
      }
      return move.kind === 'transfer' ? [employee.storeId, move.storeId] : [employee.storeId];
    },

    async freezeInForce({ storeIds }: { storeIds: string[] }): Promise<{ storeId: string | null; endsAt: string; reason: string } | null> {
      const freeze = await activeFreeze(db, storeIds, new Date());
      return freeze ? { storeId: freeze.storeId, endsAt: freeze.endsAt.toISOString(), reason: freeze.reason } : null;
    },

    /** The new role's profile (apps + policies) on the phone; apps it does not have removed. */
    /** `idempotencyKey`: this role change's own (the mover's first run id); without it, the workflow id (older movers). */
    async applyRoleChange({ employeeId, position, idempotencyKey }: { employeeId: string; position: string; idempotencyKey?: string }): Promise<MoveApplied> {
      const key = idempotencyKey ?? actor();
      const { employee, phone } = await employeeWithPhone(employeeId);
      const role = await db.role.findFirst({ where: { positions: { has: position } }, include: { apps: { include: { app: true } } } });
      if (!role) throw permanent('UnknownPosition', `position ${position} maps to no role`);
      const before = new Set(employee.role.apps.map((a) => a.packageName));
      const after = new Set(role.apps.map((a) => a.packageName));
      const removed = [...before].filter((p) => !after.has(p));
      const added = role.apps.filter((a) => !before.has(a.packageName));
      if (phone) {
        const managed = await managedPhone(deps, phone.imei);
        await managed.provider.applyProfile(managed.deviceId, role.profileId);
        for (const packageName of removed) {
          await sendOnce(deps, managed, `${key}:uninstall:${packageName}`, 'UNINSTALL_APP', () => managed.provider.uninstallApp(managed.deviceId, packageName));
        }
        if (employee.roleCode !== role.code) {
          const message = roleChanged({ companyName, storeName: employee.store.name, supportPhone: employee.store.supportPhone, language: employee.store.language }, role.name, added.map((a) => a.app.name), removed);
          await sendOnce(deps, managed, `${key}:role-changed-message`, 'MESSAGE', () => managed.provider.sendMessage(managed.deviceId, message));
        }
      }
      await db.$transaction(async (tx) => {
        await tx.employee.update({ where: { id: employeeId }, data: { roleCode: role.code, position } });
        await audit(tx, { action: 'employee.role-changed', employeeId, storeId: employee.storeId, imei: phone?.imei, details: { from: employee.roleCode, to: role.code, removed } });
      });
      return {
        summary: `role ${employee.roleCode} -> ${role.code}: ${added.length} apps added, ${removed.length} removed`,
        appsAdded: added.map((a) => a.packageName),
        appsRemoved: removed,
      };
    },

    /**
     * Device and SIM follow the employee to the new store: its stock records, its MDM group,
     * and its MDM when the new store runs the other one (unenrolled here, registered there,
     * assigned to the same account with the same profile).
     */
    async transferStore({ employeeId, storeId }: { employeeId: string; storeId: string }): Promise<MoveApplied> {
      const { employee, phone } = await employeeWithPhone(employeeId);
      const target = await db.store.findUniqueOrThrow({ where: { id: storeId } });
      let mdmMoved = false;
      if (phone) {
        const from = mdm[phone.mdmProvider];
        const to = mdm[target.mdmProvider];
        const current = await from.findDeviceByImei(phone.imei);
        if (phone.mdmProvider !== target.mdmProvider) {
          const registered = await to.register({ imei: phone.imei, serial: phone.serial, model: phone.model, iccid: employee.sims[0]?.iccid });
          if (employee.directoryUserId) await to.assignUser(registered.deviceId, employee.directoryUserId);
          await to.applyProfile(registered.deviceId, employee.role.profileId);
          await to.moveToGroup(registered.deviceId, storeId);
          if (current) await from.unenrol(current.deviceId);
          await db.device.update({ where: { imei: phone.imei }, data: { mdmProvider: target.mdmProvider, mdmDeviceId: registered.deviceId } });
          mdmMoved = true;
        } else if (current) {
          await to.moveToGroup(current.deviceId, storeId);
        }
      }
      await db.$transaction(async (tx) => {
        await tx.employee.update({ where: { id: employeeId }, data: { storeId } });
        await tx.device.updateMany({ where: { employeeId }, data: { storeId } });
        await tx.sim.updateMany({ where: { employeeId }, data: { storeId } });
        await audit(tx, { action: 'employee.transferred', employeeId, storeId, imei: phone?.imei, details: { from: employee.storeId, to: storeId, mdmMoved } });
      });
      return { summary: `store ${employee.storeId} -> ${storeId}${mdmMoved ? ` (MDM ${phone!.mdmProvider} -> ${target.mdmProvider})` : ''}`, fromStore: employee.storeId, toStore: storeId, mdmMoved };
    },
  };
}

export type MoverActivities = ReturnType<typeof createMoverActivities>;
