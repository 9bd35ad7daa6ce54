import type { ActivityDeps } from './deps.ts';
import { audit, createRecordActivities } from './records.ts';

export function createLifecycleActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    ...createRecordActivities(deps),

    async markEmployeeRescinded({ employeeId }: { employeeId: string }): Promise<void> {
      // The joiner may have been cancelled before it wrote the employee: nothing to mark then.
      const { count } = await db.employee.updateMany({ where: { id: employeeId }, data: { status: 'RESCINDED' } });
      await audit(db, { action: 'employee.hire-rescinded', employeeId, details: { employeeRow: count > 0 } });
    },
  };
}

export type LifecycleActivities = ReturnType<typeof createLifecycleActivities>;
