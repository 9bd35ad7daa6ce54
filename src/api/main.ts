// The API alone (`npm run api`), for a topology with separate, scalable API and worker
// processes (docker-compose.yml). Needs TEMPORAL_ADDRESS and DATABASE_URL;
// never runs the demo or a simulator: without them it refuses to start, naming what is missing.
import { runProcess } from '../process.ts';

const { running, seconds } = await runProcess(['api']);
console.log(`phonefleet API listening on ${running.apiUrl} (ready in ${seconds} s)`);
