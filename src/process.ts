// Runs phonefleet (or some of its parts) as this process, until SIGINT/SIGTERM.
import { ConfigurationError, loadConfig, type Config, type Part } from './config.ts';
import { assemble, type Running } from './assemble.ts';
import { loggerFor } from './observability/log.ts';

const log = loggerFor('start');

/** sysexits.h EX_CONFIG: what a supervisor sees when start-up refused its configuration. */
export const EXIT_CONFIGURATION = 78;

/** The configuration, or one line on stderr naming every problem and the process ends. */
function configurationOrExit(parts: readonly Part[]): Config {
  try {
    return loadConfig(process.env, parts);
  } catch (err) {
    if (!(err instanceof ConfigurationError)) throw err;
    process.stderr.write(`phonefleet: refusing to start: ${err.message}\n`);
    process.exit(EXIT_CONFIGURATION);
  }
}

export async function runProcess(parts: readonly Part[] = ['worker', 'api']): Promise<{ running: Running; config: Config; seconds: string }> {
  const started = performance.now();
  const config = configurationOrExit(parts);
  const running = await assemble(config, process.env, log, parts);
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, async () => {
      if (stopping) return;
      stopping = true;
      log.info('stopping (running workflows continue at the next start)');
      await running.stop();
      process.exit(0);
    });
  }
  return { running, config, seconds: ((performance.now() - started) / 1000).toFixed(1) };
}
