// The audit log is exact: each audited action is written once by the step that did it, retried
// or not. A worker killed after an activity's work but before Temporal heard of its completion
// makes Temporal run the same step (same run, same activity id) again; here that retry is the
// same activity run twice in the same activity context, against the real database and the
// simulators over HTTP. (Only Temporal's activity context is simulated: a lost completion cannot
// be produced on demand on a real server.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities/index.ts';
import type { SimOwnerRegistrationView, StockReservation } from '../../activities/joiner.ts';
import { createExternalSystems, externalSystemsFromSimulators } from '../../src/systems/index.ts';
import { seedFleet, seedReferenceData } from '../../src/db/seed.ts';
import { generateFleet, seedSimulators, type Fleet } from '../../src/systems/fleet.ts';
import { startSimulators, type RunningSimulators } from '../../src/systems/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { simAdmin } from '../support/sim-admin.ts';

let database: TestDatabase;
let sims: RunningSimulators;
let fleet: Fleet;
let activities: ReturnType<typeof createActivities>;

beforeAll(async () => {
  database = await createTestDatabase();
  sims = await startSimulators({ decideAfterMs: 0 }); // the operator decides in the submission's answer
  fleet = generateFleet({ stores: 1, employeesPerStore: 2, stockPerStore: 4, seed: 21 });
  const { mdmDeviceIds } = await seedSimulators(sims, fleet);
  await seedReferenceData(database.db.prisma);
  await seedFleet(database.db.prisma, fleet, { mdmDeviceIds });
  activities = createActivities({ db: database.db.prisma, ...createExternalSystems(externalSystemsFromSimulators(sims)), companyName: 'RetailCo' });
});
afterAll(async () => {
  await sims?.close();
  await database?.drop();
});

/** One step of a workflow run: Temporal gives every attempt of it the same run id and activity id. */
const step = (runId: string, activityId: string) => new MockActivityEnvironment({ workflowExecution: { workflowId: 'joiner-AUDIT', runId }, activityId });
const logged = (action: string, where: Record<string, string>) => database.db.prisma.auditLog.count({ where: { action, ...where } });

describe('audit log: once per step', () => {
  it('a step run again after its completion was lost logs its action once; another step logs its own', async () => {
    const employeeId = 'AUDIT-1';
    const storeId = fleet.stores[0].id;
    const position = fleet.employees[0].position;
    const hire = { employeeId, storeId, position, startDate: '2026-12-01' };
    const first = step('run-1', '1');
    await first.run(activities.recordHire, hire);
    await first.run(activities.recordHire, hire); // the retry
    expect(await logged('employee.hired', { employeeId })).toBe(1);
    // A rehire is another run's step: logged again.
    await step('run-2', '1').run(activities.recordHire, hire);
    expect(await logged('employee.hired', { employeeId })).toBe(2);

    const reserve = step('run-2', '3');
    const stock = (await reserve.run(activities.reserveDeviceAndSim, { reservationKey: 'run-2', employeeId, storeId })) as StockReservation;
    await reserve.run(activities.reserveDeviceAndSim, { reservationKey: 'run-2', employeeId, storeId });
    expect(stock.reserved).toBe(true);
    if (!stock.reserved) return;
    expect(await logged('stock.reserved', { employeeId })).toBe(1);

    const enrol = step('run-2', '5');
    const directoryUserId = `aad-${employeeId}`;
    await enrol.run(activities.enrolDevice, { imei: stock.imei, employeeId, directoryUserId, profileId: 'PROFILE-X' });
    await enrol.run(activities.enrolDevice, { imei: stock.imei, employeeId, directoryUserId, profileId: 'PROFILE-X' });
    expect(await logged('device.enrolled', { imei: stock.imei })).toBe(1);
  });

  it('a registration accepted in the submission answer is logged accepted once, whichever steps see it', async () => {
    const employeeId = fleet.employees[1].employeeId;
    await simAdmin(sims).addHrEmployee({ employeeId, storeId: fleet.stores[0].id, position: fleet.employees[1].position, startDate: '2026-12-01', documentNumber: 'DOC-AUDIT-2' });
    const storeId = fleet.stores[0].id;
    const stock = (await step('run-3', '1').run(activities.reserveDeviceAndSim, { reservationKey: 'run-3', employeeId, storeId })) as StockReservation;
    if (!stock.reserved) throw new Error('no stock');
    const submit = step('run-3', '2');
    const submitted = (await submit.run(activities.submitSimOwnerRegistration, {
      employeeId,
      iccid: stock.iccid,
      idempotencyKey: 'run-3:sim-owner:1',
    })) as SimOwnerRegistrationView;
    expect(submitted.status).toBe('ACCEPTED');
    await submit.run(activities.submitSimOwnerRegistration, { employeeId, iccid: stock.iccid, idempotencyKey: 'run-3:sim-owner:1' }); // the retry
    await step('run-3', '3').run(activities.checkSimOwnerRegistration, { iccid: stock.iccid, registrationId: submitted.registrationId });
    expect(await logged('sim-owner.submitted', { iccid: stock.iccid })).toBe(1);
    expect(await logged('sim-owner.accepted', { iccid: stock.iccid })).toBe(1);
    // The retry found the registration: identity data read from HR once.
    expect(sims.hr.identityReads.get(employeeId) ?? 0).toBe(1);
  });
});
