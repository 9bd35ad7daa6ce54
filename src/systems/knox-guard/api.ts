// Samsung Knox Guard: the vendor's permanent lock ("brick"), which survives a factory reset. It
// reaches the phone only when the phone is online; until then the device stays "Locking".
// Devices are addressed by deviceUid (the IMEI); x-knox-transactionId makes a call idempotent.

export type KnoxGuardStatus = 'Active' | 'Locking' | 'Locked' | 'Unlocking' | 'Completed';

export interface KnoxGuardDevice {
  deviceUid: string;
  status: KnoxGuardStatus;
  message?: string;
  tel?: string;
  updatedAt: string;
}

export interface KnoxGuardApi {
  /** Same transactionId again = the same request, not a second lock. */
  lock(deviceUid: string, lock: { message: string; tel: string; email?: string }, transactionId: string): Promise<KnoxGuardDevice>;
  unlock(deviceUid: string, transactionId: string): Promise<KnoxGuardDevice>;
  getDevice(deviceUid: string): Promise<KnoxGuardDevice | null>;
  /** The offline-lock policy: the phone locks itself after `days` without check-in (warning `warningDays` before). */
  setOfflineLock(deviceUid: string, policy: { days: number; warningDays: number; message: string; tel: string }, transactionId: string): Promise<KnoxGuardDevice>;
  /** Long leave: spares the phone from the offline lock until `until` (YYYY-MM-DD), "open" (no end known), or null (lifted). */
  exemptFromOfflineLock(deviceUid: string, until: string | 'open' | null, transactionId: string): Promise<KnoxGuardDevice>;
}
