// The mover's side effects: a new role's profile and apps on the phone, or a move to another
// store's group, stock records and, when the stores use different MDMs, to the other MDM.
import type { Move } from '../workflows/hr-events.ts';
import { activeFreeze, contactOf, devices, employees, employeeWithPhone, roleByPosition, simOfDevice, storeById } from '../src/inventory/index.ts';
import { roleChanged } from '../src/domain/phone-messages.ts';
import type { ActivityDeps } from './deps.ts';
import { managedPhone, sendOnce } from './device-commands.ts';
import { actor, type RecordActivities } from './records.ts';

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

  return {
    /** A role change concerns the employee's store; a transfer both stores. */
    async storesConcerned({ employeeId, move }: { employeeId: string; move: Move }): Promise<string[]> {
      const { employee } = await employeeWithPhone(db, employeeId);
      if (move.kind === 'transfer') await storeById(db, move.storeId);
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
      const { employee, phone } = await employeeWithPhone(db, employeeId);
      const role = await roleByPosition(db, position);
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
          const message = roleChanged(
            contactOf(employee.store, companyName),
            role.name,
            added.map((a) => a.app.name),
            removed,
          );
          await sendOnce(deps, managed, `${key}:role-changed-message`, 'MESSAGE', () => managed.provider.sendMessage(managed.deviceId, message));
        }
      }
      await employees.changeRole(db, { employeeId, storeId: employee.storeId, imei: phone?.imei, fromRole: employee.roleCode, toRole: role.code, position, removed });
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
      const { employee, phone } = await employeeWithPhone(db, employeeId);
      const target = await storeById(db, storeId);
      let mdmMoved = false;
      if (phone) {
        const from = mdm[phone.mdmProvider];
        const to = mdm[target.mdmProvider];
        const current = await from.findDeviceByImei(phone.imei);
        if (phone.mdmProvider !== target.mdmProvider) {
          const registered = await to.register({ imei: phone.imei, serial: phone.serial, model: phone.model, iccid: (await simOfDevice(db, phone))?.iccid });
          if (employee.directoryUserId) await to.assignUser(registered.deviceId, employee.directoryUserId);
          await to.applyProfile(registered.deviceId, employee.role.profileId);
          await to.moveToGroup(registered.deviceId, storeId);
          if (current) await from.unenrol(current.deviceId);
          await devices.moveToMdm(db, { imei: phone.imei, mdmProvider: target.mdmProvider, mdmDeviceId: registered.deviceId });
          mdmMoved = true;
        } else if (current) {
          await to.moveToGroup(current.deviceId, storeId);
        }
      }
      await devices.transferHoldings(db, { employeeId, fromStoreId: employee.storeId, storeId, imei: phone?.imei, mdmMoved });
      return {
        summary: `store ${employee.storeId} -> ${storeId}${mdmMoved ? ` (MDM ${phone!.mdmProvider} -> ${target.mdmProvider})` : ''}`,
        fromStore: employee.storeId,
        toStore: storeId,
        mdmMoved,
      };
    },
  };
}

/** What the mover workflows call: its own activities and the shared records (registered once, by records). */
export type MoverActivities = ReturnType<typeof createMoverActivities> & RecordActivities;
