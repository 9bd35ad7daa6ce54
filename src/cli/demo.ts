// What the demo commands share: the running phonefleet's address and secrets (from the same
// data folder / environment as `npm start`), the simulators' admin API, and the `phonefleet`
// command pointed at that running phonefleet (the operator's side of each demo step).
import { randomBytes, randomUUID } from 'node:crypto';
import { sign } from '../api/webhook-signature.ts';
import { loadConfig } from '../config.ts';
import { SIMULATOR_NAMES, type SimulatorName } from '../systems/index.ts';
import { runPhonefleet } from './program.ts';

export const config = loadConfig();
export const api = process.env.PHONEFLEET_API_URL ?? process.env.PHONEFLEET_API ?? `http://${config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host}:${config.api.port}`;
export const token = process.env.PHONEFLEET_TOKEN ?? [...config.api.tokens.keys()][0]!;

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

/** The Temporal Web UI `npm start` runs (its banner's address), at a workflow's page when one is named. */
export function webUi(workflowId?: string): string {
  const base = `http://127.0.0.1:${config.temporal.uiPort}`;
  return workflowId ? `${base}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}` : base;
}

/** A client of the demo's Temporal (the dev server `npm start` runs), with phonefleet's encrypting codec. */
export async function temporal() {
  const address = config.temporal.address ?? `127.0.0.1:${config.temporal.devServerPort}`;
  // Loaded here: the other demo scripts need no Temporal client.
  const { connectClient } = await import('../temporal/connection.ts');
  return connectClient({ address, namespace: config.temporal.namespace, keys: config.payloadKeys }).catch(() =>
    fail(`Temporal does not answer at ${address}: is \`npm start\` running?`),
  );
}

/** A call to phonefleet's API with the demo's token: the status and the JSON answer (exits when nothing answers). */
export async function apiCall<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch(() => fail(`phonefleet's API does not answer at ${api}: is \`npm start\` running?`));
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** Sends an HR CloudEvent signed as HR signs it, prints the answer, exits on refusal. */
export async function sendHrEvent(type: string, employeeId: string, data: Record<string, unknown>): Promise<void> {
  const res = await signedHrEvent(type, employeeId, data);
  console.log(`POST ${api}/hr/events -> ${res.status} ${res.text}`);
  if (res.status >= 300) process.exit(1);
}

/** An HR CloudEvent signed as HR signs it, sent to phonefleet: its answer. */
export async function signedHrEvent(type: string, employeeId: string, data: Record<string, unknown>): Promise<{ status: number; text: string }> {
  const body = JSON.stringify({
    specversion: '1.0',
    id: randomUUID(),
    source: '/hr/demo',
    type: `com.retailco.hr.employee.${type}`,
    time: new Date().toISOString(),
    subject: employeeId,
    datacontenttype: 'application/json',
    data: { employeeId, ...data },
  });
  const id = `msg_${randomBytes(8).toString('hex')}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await fetch(`${api}/hr/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/cloudevents+json',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sign(config.hrWebhookSecrets[0], id, timestamp, body),
    },
    body,
  }).catch(() => fail(`phonefleet's API does not answer at ${api}: is \`npm start\` running?`));
  return { status: res.status, text: await res.text() };
}

/** Runs a `phonefleet` command against the demo's phonefleet and exits with its exit code. */
export async function phonefleet(...argv: string[]): Promise<never> {
  process.exit(await phonefleetThen(...argv));
}

/** Runs a `phonefleet` command against the demo's phonefleet (printed first): its exit code. */
export async function phonefleetThen(...argv: string[]): Promise<number> {
  console.log(`$ phonefleet ${argv.join(' ')}`);
  return runPhonefleet(argv, { settings: () => ({ url: api, token }) });
}

/** How to run the same commands from a shell. */
export const cliEnvironment = `export PHONEFLEET_API_URL=${api} PHONEFLEET_TOKEN=<the token printed by npm start>`;
