import type { ActivityDeps } from './deps.ts';
import { employees } from '../src/inventory/index.ts';
import type { RecordActivities } from './records.ts';

export function createLifecycleActivities(deps: ActivityDeps) {
  const { db } = deps;
  return {
    async markEmployeeRescinded({ employeeId }: { employeeId: string }): Promise<void> {
      await employees.markRescinded(db, { employeeId });
    },

    /**
     * An old clearance that ended during a new employment closed "its" employment (LEFT): the
     * records say what runs now, onboarding or (phone handed over since the rehire) active.
     */
    async keepEmployment({ employeeId }: { employeeId: string }): Promise<void> {
      await employees.restoreEmployment(db, { employeeId });
    },

    /** Whether the employment is closed in the records (the leaver wrote the phone off and watches for it). */
    async employmentClosed({ employeeId }: { employeeId: string }): Promise<boolean> {
      return employees.employmentClosed(db, employeeId);
    },
  };
}

/** What the lifecycle workflows call: its own activities and the shared records (registered once, by records). */
export type LifecycleActivities = ReturnType<typeof createLifecycleActivities> & RecordActivities;
