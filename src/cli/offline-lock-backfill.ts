// `npm run fleet:offline-lock [-- <storeId>]`: gives every phone in use Knox Guard's offline-lock
// policy (src/domain/offline-lock.ts). New phones get it at their hand-over; this is for the
// phones handed out before phonefleet (or before the offline lock). Needs DATABASE_URL and
// KNOX_GUARD_URL / KNOX_GUARD_API_TOKEN; safe to run again (one Knox Guard transaction per phone).
import { KnoxGuardHttpApi } from '../systems/knox-guard/http.ts';
import { databaseOptionsFromEnv, openDatabase } from '../db/client.ts';
import { enrolFleetInOfflineLock } from '../../activities/offline-lock.ts';

const [storeId] = process.argv.slice(2);
const { KNOX_GUARD_URL, KNOX_GUARD_API_TOKEN } = process.env;
if (!KNOX_GUARD_URL || !KNOX_GUARD_API_TOKEN) {
  console.error('missing KNOX_GUARD_URL or KNOX_GUARD_API_TOKEN');
  process.exit(78);
}
const database = await openDatabase(databaseOptionsFromEnv());
try {
  const knoxGuard = new KnoxGuardHttpApi({ baseUrl: KNOX_GUARD_URL, apiToken: KNOX_GUARD_API_TOKEN });
  const { set, skipped } = await enrolFleetInOfflineLock({ db: database.prisma, knoxGuard, companyName: process.env.COMPANY_NAME ?? 'RetailCo' }, storeId ? { storeId } : {});
  console.log(`offline lock set on ${set} phone(s) in use${storeId ? ` of store ${storeId}` : ''}; ${skipped} not known to Knox Guard (see the audit log)`);
} finally {
  await database.close();
}
