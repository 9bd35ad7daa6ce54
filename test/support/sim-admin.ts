// What a test does to the outside world before and while phonefleet works: HR hires someone, IT
// creates (late) directory accounts, the partner registers phones, the operator rejects an
// identity, a system goes down. Faults go through the simulators' HTTP admin API, as an operator
// of a test rig would inject them; seeding uses the in-process handles.
import type { FaultConfig } from '../../src/simulators/faults.ts';
import type { Fleet } from '../../src/simulators/fleet.ts';
import type { RunningSimulators, SimulatorName } from '../../src/simulators/index.ts';

export type SimAdmin = ReturnType<typeof simAdmin>;

export function simAdmin(sims: RunningSimulators) {
  return {
    async addHrEmployee(p: { employeeId: string; storeId: string; position: string; startDate: string; documentNumber: string }) {
      sims.hr.addEmployee(
        { employeeId: p.employeeId, storeId: p.storeId, position: p.position, startDate: p.startDate, status: 'HIRED' },
        { firstName: 'Test', lastName: 'Person', birthDate: '1990-01-01', nationality: 'RU', documentType: 'PASSPORT', documentNumber: p.documentNumber },
      );
    },
    async addDirectoryAccount(employeeId: string, availableAfterMs: number) {
      sims.directory.addAccount({ employeeId, availableAfterMs });
    },
    /** The provisioning partner registers a phone in the store's MDM. */
    async registerMdmDevice(storeId: string, fleet: Fleet, device: { imei: string; serial: string; model: string; iccid: string }) {
      const store = fleet.stores.find((s) => s.id === storeId)!;
      sims.mdm[store.mdmProvider].registerDevice({ ...device, online: true });
    },
    async addOperatorSim(sim: { iccid: string; msisdn: string }) {
      sims.operator.addSim({ ...sim, status: 'INVENTORY' });
    },
    async rejectDocuments(documentNumbers: string[], reason: string) {
      sims.operator.setRegistrationPolicy({ rejectDocumentNumbers: documentNumbers, reason });
    },
    async registrationStatus(registrationId: string) {
      return sims.operator.registrationSummaries().find((r) => r.registrationId === registrationId)?.status;
    },
    async identityReads(employeeId: string) {
      return sims.hr.identityReads.get(employeeId) ?? 0;
    },
    async mdmDevice(imei: string) {
      for (const mdm of Object.values(sims.mdm)) {
        const device = mdm.devices.byImei(imei);
        if (device) return device;
      }
      throw new Error(`no MDM knows device ${imei}`);
    },
    /** PUT /_sim/faults (null clears them). */
    async faults(system: SimulatorName, config: FaultConfig | null) {
      const res = await fetch(`${sims.urls[system]}/_sim/faults`, {
        method: config ? 'PUT' : 'DELETE',
        headers: { 'content-type': 'application/json' },
        body: config ? JSON.stringify(config) : undefined,
      });
      if (!res.ok) throw new Error(`fault injection on ${system} failed: ${res.status}`);
    },
  };
}
