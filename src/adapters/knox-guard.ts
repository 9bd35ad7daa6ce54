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
}
