// `npm start`: all of phonefleet on this machine. With no configuration: a Temporal dev server
// with its Web UI (persisted in .data), embedded PostgreSQL (PGlite), simulators with a demo
// fleet, the worker and the API. Stop with Ctrl-C; start again and running workflows continue.
import { loadConfig } from './config.ts';
import { startPhonefleet } from './runtime.ts';

const started = performance.now();
const config = loadConfig();
const running = await startPhonefleet(config);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const [token] = config.api.tokens.keys();

console.log(`
phonefleet is running (ready in ${seconds} s${running.embedded.length ? `; embedded: ${running.embedded.join(', ')}` : ''})

  API             ${running.apiUrl}        (operator token: ${process.env.API_TOKENS ? 'from API_TOKENS' : token})
  Temporal Web UI ${running.uiUrl ?? `(external Temporal at ${running.temporalAddress})`}
  Data            ${config.dataDir}

Send a signed hire event to the demo fleet, then follow it in the Web UI:

  npm run demo:hire
`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    console.log('phonefleet: stopping (running workflows continue at the next start)...');
    await running.stop();
    process.exit(0);
  });
}
