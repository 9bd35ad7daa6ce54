// `npm start`: all of phonefleet on this machine. With no configuration it is the demo: a
// Temporal dev server with its Web UI (persisted in .data), an embedded PostgreSQL server,
// simulators with a demo fleet and demo timings, the worker and the API. With every external
// system configured it is a real fleet (a partial configuration is refused at start). Stop with
// Ctrl-C; start again and running workflows continue.
//
// stdout carries the JSON log lines (src/observability/log.ts); the banner, for the person at the
// terminal, goes to stderr. It is the only place the generated operator token is ever written,
// and only when stderr is an interactive terminal: never into a file, a pipe or a log collector.
import path from 'node:path';
import { loggerFor } from './observability/log.ts';
import { runProcess } from './process.ts';

const { running, config, seconds } = await runProcess();
const [token] = config.api.tokens.keys();
const interactive = process.stderr.isTTY === true;
const tokenFile = path.join(config.dataDir, 'secrets', 'api-token');
const tokenShown = process.env.API_TOKENS ? 'from API_TOKENS' : interactive ? token : `generated, not shown here (not a terminal): see ${tokenFile}`;

loggerFor('start').info(
  { apiUrl: running.apiUrl, uiUrl: running.uiUrl, temporalAddress: running.temporalAddress, embedded: running.embedded, readyInSeconds: Number(seconds) },
  'phonefleet is running',
);
process.stderr.write(`
phonefleet is running${config.demo ? ' the demo' : ''} (ready in ${seconds} s${running.embedded.length ? `; embedded: ${running.embedded.join(', ')}` : ''})

  API             ${running.apiUrl}        (operator token: ${tokenShown})
  Temporal Web UI ${running.uiUrl ?? `(external Temporal at ${running.temporalAddress})`}
  Data            ${config.dataDir}
${
  config.demo
    ? `
Send a signed hire event to the demo fleet, then follow it in the Web UI:

  npm run demo:hire
`
    : ''
}`);
