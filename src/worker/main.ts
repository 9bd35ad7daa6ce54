// The worker alone (`npm run worker`), for a topology with separate, scalable API and worker
// processes (docker-compose.yml). Needs TEMPORAL_ADDRESS and DATABASE_URL and every external system;
// never runs the demo or a simulator: without them it refuses to start, naming what is missing.
import { loggerFor } from '../observability/log.ts';
import { runProcess } from '../process.ts';

const { running, seconds } = await runProcess(['worker']);
loggerFor('start').info({ temporalAddress: running.temporalAddress, readyInSeconds: Number(seconds) }, `phonefleet worker polling Temporal at ${running.temporalAddress}`);
