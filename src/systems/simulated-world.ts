// What a test does to the outside world before and while phonefleet works: HR hires someone, IT
// creates (late) directory accounts, the partner registers phones, the operator rejects an
// identity, a phone stays off the network and comes back, a system goes down. Faults go through
// the simulators' HTTP admin API, as an operator of a test rig would inject them; seeding and
// reads use the in-process handles.
import type { FaultConfig } from './shared/faults.ts';
import type { Fleet } from './fleet.ts';
import type { RunningSimulators, SimulatorName } from './index.ts';
import { statusOf } from './knox-guard/simulator.ts';
import type { MdmDeviceCommand } from './shared/mdm-commands.ts';

export type SimAdmin = ReturnType<typeof simAdmin>;

export function simAdmin(sims: RunningSimulators) {
  // The MDM that manages the phone now; after a store moved MDMs, the old one keeps an unenrolled record.
  const mdmDevice = (imei: string) => {
    const mdms = Object.values(sims.mdm);
    const device = mdms.map((m) => m.devices.enrolledByImei(imei)).find(Boolean) ?? mdms.map((m) => m.devices.byImei(imei)).find(Boolean);
    if (!device) throw new Error(`no MDM knows device ${imei}`);
    return device;
  };
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
    /** The device as its MDM keeps it: user, profile, group, locked + lockScreen, installedApps, wipedAt, commands, events. */
    async mdmDevice(imei: string) {
      return mdmDevice(imei);
    },
    /**
     * The phone reaches (or leaves) the network, for every MDM that knows it; reaching it runs
     * the MDM commands that waited and applies a pending Knox Guard lock or unlock.
     */
    async setOnline(imei: string, online: boolean) {
      const known = Object.values(sims.mdm).filter((mdm) => mdm.devices.setOnline(imei, online) !== undefined);
      if (known.length === 0) throw new Error(`no MDM manages device ${imei}`);
      await sims.saveState(); // in-process change: no request told the state file
    },
    /** The MDM commands sent to the phone, in the order they were issued (the APIs list newest first). */
    async mdmCommands(imei: string): Promise<MdmDeviceCommand[]> {
      return structuredClone(mdmDevice(imei).commands);
    },
    /** Knox Guard's record of the phone (status Active | Locking | Locked | Unlocking | Completed), or undefined. */
    async knoxGuardDevice(imei: string) {
      const record = sims.knoxGuard.device(imei);
      if (!record) return undefined;
      const { deviceUid, message, tel, updatedAt, actions } = structuredClone(record);
      return { deviceUid, status: statusOf(record), message, tel, updatedAt, actions };
    },
    /** Every case opened with the leasing partner, oldest first, with its idempotency key. */
    async leaseCases() {
      return structuredClone(sims.leasePartner.listCases());
    },
    /** Calls to `system` whose route key ("METHOD /path/template") contains `routeKeySubstring`, summed. */
    async callCount(system: SimulatorName, routeKeySubstring: string) {
      const counts = sims.all[system].calls.snapshot();
      return Object.entries(counts).reduce((sum, [route, n]) => (route.includes(routeKeySubstring) ? sum + n : sum), 0);
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
