// Knox Guard's offline lock for phones in use (src/domain/offline-lock.ts): set at hand-over,
// while the phone is in the holder's hands and online, and lifted for long leave announced by HR.
import { PermanentSystemError } from '../src/systems/shared/errors.ts';
import { OFFLINE_LOCK } from '../src/domain/offline-lock.ts';
import { offlineLockScreen } from '../src/domain/phone-messages.ts';
import type { ActivityDeps } from './deps.ts';
import { audit, contactOf, deviceWithStore, phoneInUse, phonesInUse } from '../src/inventory/index.ts';

/**
 * Gives the phone the offline-lock policy with its store's message. A phone Knox Guard does not
 * know (the reseller never uploaded it) is noted and skipped: the hand-over must not fail on it.
 */
export async function enrolInOfflineLock(deps: Pick<ActivityDeps, 'db' | 'knoxGuard' | 'companyName'>, imei: string, transactionId: string): Promise<boolean> {
  const device = await deviceWithStore(deps.db, imei);
  const screen = offlineLockScreen(contactOf(device.store, deps.companyName), OFFLINE_LOCK.days);
  try {
    await deps.knoxGuard.setOfflineLock(imei, { ...OFFLINE_LOCK, message: screen.message, tel: screen.phoneNumber }, transactionId);
  } catch (err) {
    if (!(err instanceof PermanentSystemError)) throw err;
    await audit(deps.db, { action: 'phone.offline-lock-skipped', imei, storeId: device.storeId, details: { reason: err.message } });
    return false;
  }
  await audit(deps.db, { action: 'phone.offline-lock-set', imei, storeId: device.storeId, details: { days: OFFLINE_LOCK.days } });
  return true;
}

/**
 * Phones already in use when phonefleet took over (or before the offline lock existed) never had
 * a hand-over to set it: gives every phone in use the policy, once per phone (Knox Guard's
 * transaction id makes a re-run answer the first answer). Run with `npm run fleet:offline-lock`.
 */
export async function enrolFleetInOfflineLock(
  deps: Pick<ActivityDeps, 'db' | 'knoxGuard' | 'companyName'>,
  opts: { storeId?: string } = {},
): Promise<{ set: number; skipped: number }> {
  const imeis = await phonesInUse(deps.db, opts.storeId);
  let set = 0;
  for (const imei of imeis) if (await enrolInOfflineLock(deps, imei, `backfill:${imei}:${OFFLINE_LOCK.days}d`)) set++;
  return { set, skipped: imeis.length - set };
}

export interface LongLeave {
  kind: 'parental' | 'sick' | 'other';
  from: string;
  until?: string;
}

export function createOfflineLockActivities(deps: ActivityDeps) {
  const { db, knoxGuard } = deps;
  return {
    /**
     * HR says the person is away for long (leave-started) or back (leave-ended, `leave` null):
     * the phone is spared from the offline lock until `until` (open-ended without one), or is
     * subject to it again. Knox Guard hands the change to the phone at its next check-in.
     */
    async markLongLeave({ eventId, employeeId, leave }: { eventId: string; employeeId: string; leave: LongLeave | null }): Promise<{ imei?: string }> {
      const device = await phoneInUse(db, employeeId);
      if (!device) return {};
      if (!(await enrolInOfflineLock(deps, device.imei, `leave:${eventId}:policy`))) return {};
      await knoxGuard.exemptFromOfflineLock(device.imei, leave ? (leave.until ?? 'open') : null, `leave:${eventId}`);
      await audit(db, {
        action: leave ? 'phone.offline-lock-exempted' : 'phone.offline-lock-exemption-lifted',
        employeeId,
        imei: device.imei,
        storeId: device.storeId,
        details: leave ? { kind: leave.kind, from: leave.from, until: leave.until ?? null } : {},
      });
      return { imei: device.imei };
    },
  };
}

export type OfflineLockActivities = ReturnType<typeof createOfflineLockActivities>;
