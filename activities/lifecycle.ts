import type { ActivityDeps } from './deps.ts';
import { audit, createRecordActivities } from './records.ts';

export function createLifecycleActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    ...createRecordActivities(deps),

    async markEmployeeRescinded({ employeeId }: { employeeId: string }): Promise<void> {
      // The joiner may have been cancelled before it wrote the employee: nothing to mark then.
      await db.$transaction(async (tx) => {
        const { count } = await tx.employee.updateMany({ where: { id: employeeId }, data: { status: 'RESCINDED' } });
        await audit(tx, { action: 'employee.hire-rescinded', employeeId, details: { employeeRow: count > 0 } });
      });
    },

    /**
     * An old clearance that ended during a new employment closed "its" employment (LEFT): the
     * records say what runs now, onboarding or (phone handed over since the rehire) active.
     */
    async keepEmployment({ employeeId }: { employeeId: string }): Promise<void> {
      await db.$transaction(async (tx) => {
        const employee = await tx.employee.findUnique({ where: { id: employeeId } });
        if (employee?.status !== 'LEFT') return;
        const status = employee.handedOverAt ? 'ACTIVE' : 'ONBOARDING';
        await tx.employee.update({ where: { id: employeeId }, data: { status } });
        await audit(tx, { action: 'employee.status-restored', employeeId, details: { status } });
      });
    },

    /** Whether the employment is closed in the records (the leaver wrote the phone off and watches for it). */
    async employmentClosed({ employeeId }: { employeeId: string }): Promise<boolean> {
      const employee = await db.employee.findUnique({ where: { id: employeeId } });
      return employee?.status === 'LEFT';
    },
  };
}

export type LifecycleActivities = ReturnType<typeof createLifecycleActivities>;
