// `npm start`: all of phonefleet on this machine. With no configuration it is the demo: a
// Temporal dev server with its Web UI (persisted in .data), embedded PostgreSQL (PGlite),
// simulators with a demo fleet and demo timings, the worker and the API. With every external
// system configured it is a real fleet (a partial configuration is refused at start). Stop with
// Ctrl-C; start again and running workflows continue.
import { runProcess } from './process.ts';

const { running, config, seconds } = await runProcess();
const [token] = config.api.tokens.keys();

console.log(`
phonefleet is running${config.demo ? ' the demo' : ''} (ready in ${seconds} s${running.embedded.length ? `; embedded: ${running.embedded.join(', ')}` : ''})

  API             ${running.apiUrl}        (operator token: ${process.env.API_TOKENS ? 'from API_TOKENS' : token})
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
