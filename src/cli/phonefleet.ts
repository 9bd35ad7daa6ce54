#!/usr/bin/env node
// `phonefleet`: the operators' command line, a thin client of the HTTP API. It reads the API's
// address and a token from the environment (PHONEFLEET_API_URL, PHONEFLEET_TOKEN), so nothing
// secret lands in shell history or process lists.
//
//   phonefleet hr refused [--json] [--limit <n>]   HR deliveries refused with 4xx, newest first
import { Command, InvalidArgumentError } from 'commander';

interface Problem {
  field: string;
  message: string;
}
interface RefusedDelivery {
  id: number;
  receivedAt: string;
  status: number;
  reason: string;
  problems: Problem[];
  eventId: string | null;
  source: string | null;
  type: string | null;
  employeeId: string | null;
}

class CliError extends Error {}

function apiSettings(): { url: string; token: string } {
  const url = process.env.PHONEFLEET_API_URL;
  const token = process.env.PHONEFLEET_TOKEN;
  const missing = [!url && 'PHONEFLEET_API_URL', !token && 'PHONEFLEET_TOKEN'].filter(Boolean);
  if (missing.length) throw new CliError(`set ${missing.join(' and ')} (the API's address, e.g. http://127.0.0.1:8080, and an API token)`);
  return { url: url!.replace(/\/+$/, ''), token: token! };
}

async function getJson<T>(path: string): Promise<T> {
  const { url, token } = apiSettings();
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
  } catch (err) {
    throw new CliError(`cannot reach the API at ${url}: ${err instanceof Error ? (err.cause as Error | undefined)?.message ?? err.message : String(err)}`);
  }
  const body = (await res.json().catch(() => ({}))) as { error?: string; problems?: Problem[] };
  if (!res.ok) throw new CliError(`${res.status} from the API: ${body.error ?? res.statusText}${body.problems ? ` (${body.problems.map((p) => `${p.field} ${p.message}`).join('; ')})` : ''}`);
  return body as T;
}

/** Follows `next` until `limit` deliveries are read or none are left. */
async function refusedDeliveries(limit: number): Promise<RefusedDelivery[]> {
  const found: RefusedDelivery[] = [];
  let before: string | null = null;
  do {
    const pageSize = Math.min(200, limit - found.length);
    const page: { deliveries: RefusedDelivery[]; next: string | null } = await getJson(`/hr/deliveries?outcome=refused&limit=${pageSize}${before ? `&before=${before}` : ''}`);
    found.push(...page.deliveries);
    before = page.next;
  } while (before && found.length < limit);
  return found;
}

function printRefused(deliveries: RefusedDelivery[]) {
  if (!deliveries.length) return void console.log('No refused HR deliveries.');
  for (const d of deliveries) {
    const what = [d.type?.replace('com.retailco.hr.employee.', '') ?? '(type unreadable)', d.employeeId && `employee ${d.employeeId}`, d.eventId && `event ${d.eventId}`].filter(Boolean).join(', ');
    console.log(`${d.receivedAt}  ${d.status}  ${what}: ${d.reason}`);
    for (const p of d.problems) console.log(`    ${p.field}: ${p.message}`);
  }
}

const positiveInt = (v: string) => {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('must be a whole number above 0');
  return Number(v);
};

const program = new Command('phonefleet').description('phonefleet operations from the command line (API: PHONEFLEET_API_URL, token: PHONEFLEET_TOKEN)');
const hr = program.command('hr').description('HR events and their deliveries');
hr.command('refused')
  .description('HR deliveries refused with a 4xx answer, newest first: reason and fields named, no personal data')
  .option('--json', 'print JSON (one array) instead of text')
  .option('--limit <n>', 'at most this many', positiveInt, 50)
  .action(async (opts: { json?: boolean; limit: number }) => {
    const deliveries = await refusedDeliveries(opts.limit);
    if (opts.json) console.log(JSON.stringify(deliveries, null, 2));
    else printRefused(deliveries);
  });

try {
  await program.parseAsync();
} catch (err) {
  if (!(err instanceof CliError)) throw err;
  console.error(`phonefleet: ${err.message}`);
  process.exitCode = 1;
}
