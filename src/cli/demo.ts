// What the demo commands share: the running phonefleet's address and secrets (from the same
// data folder / environment as `npm start`), and the simulators' admin API.
import { loadConfig } from '../config.ts';
import { SIMULATOR_NAMES, type SimulatorName } from '../simulators/index.ts';

export const config = loadConfig();
export const api = process.env.PHONEFLEET_API ?? `http://${config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host}:${config.api.port}`;
export const [token] = config.api.tokens.keys();

export function simulatorUrl(name: SimulatorName): string {
  const base = Number(process.env.SIM_BASE_PORT ?? 7101);
  return `http://127.0.0.1:${base + SIMULATOR_NAMES.indexOf(name)}`;
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

export function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}
