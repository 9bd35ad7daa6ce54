// `phonefleet <args>`: the real bin (`node bin/phonefleet.mjs`, as npm links it) in a child
// process, against a harness's API; its exit code and output, as a pipeline sees them.
import { execFile } from 'node:child_process';
import path from 'node:path';

export const PHONEFLEET_BIN = path.join(import.meta.dirname, '..', '..', 'bin', 'phonefleet.mjs');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runPhonefleet(api: { api: string; token: string }, args: string[], opts: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [PHONEFLEET_BIN, ...args],
      {
        cwd: path.join(import.meta.dirname, '..', '..'),
        env: { ...process.env, PHONEFLEET_API_URL: api.api, PHONEFLEET_TOKEN: api.token, ...opts.env },
        timeout: opts.timeoutMs ?? 60_000,
      },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}
