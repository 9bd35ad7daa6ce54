// Runs phonefleet (or some of its parts) as this process, until SIGINT/SIGTERM.
import { loadConfig } from './config.ts';
import { startPhonefleet, type Part, type Running } from './runtime.ts';

export async function runProcess(parts?: readonly Part[]): Promise<{ running: Running; config: ReturnType<typeof loadConfig>; seconds: string }> {
  const started = performance.now();
  const config = loadConfig();
  const running = await startPhonefleet(config, process.env, console.log, parts);
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
  return { running, config, seconds: ((performance.now() - started) / 1000).toFixed(1) };
}
