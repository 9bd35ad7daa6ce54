// The API alone (`npm run api`), for a topology with separate, scalable API and worker
// processes (docker-compose.yml). Needs TEMPORAL_ADDRESS and DATABASE_URL;
// never runs the demo or a simulator: without them it refuses to start, naming what is missing.
import { loggerFor } from '../observability/log.ts';
import { runProcess } from '../process.ts';

const { running, seconds } = await runProcess(['api']);
loggerFor('start').info({ apiUrl: running.apiUrl, readyInSeconds: Number(seconds) }, `phonefleet API listening on ${running.apiUrl}`);
