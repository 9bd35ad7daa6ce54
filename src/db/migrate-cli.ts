// `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database
// (<PHONEFLEET_DATA_DIR, default .data>/postgres) when it is unset. Every phonefleet process does the
// same on start-up; this is for deployments that migrate as a separate step.
import path from 'node:path';
import { DEFAULT_DATA_DIR, databaseOptionsFromEnv, openDatabase } from './client.ts';

try {
  const options = databaseOptionsFromEnv();
  const db = await openDatabase(options);
  await db.close();
  const where = db.kind === 'postgresql' ? 'DATABASE_URL' : path.resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const { applied } = db.migrations;
  console.log(applied.length === 0 ? `phonefleet: ${where} is up to date` : `phonefleet: applied ${applied.length} migration(s) to ${where}: ${applied.join(', ')}`);
} catch (e) {
  console.error(`phonefleet: migration failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
}
