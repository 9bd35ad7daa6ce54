// phonefleet's own metrics, in Prometheus' text format at GET /metrics (src/api/app.ts; the
// token needs scope `metrics` or `operations`: the figures hold no personal data, but volumes of
// hires and dismissals are the company's business). What they count:
// - HR events by type and outcome, counted where the API answers HR;
// - calls and 429s per external system, counted in the HTTP client every adapter shares;
// - processes by phase, read at scrape time from Temporal's visibility (the `Phase` search
//   attribute): Temporal holds where each process stands, the database does not, and it is what
//   operators see in the Web UI. Listing costs one page per 1000 processes in flight, so a scrape
//   reuses the last answer for PHASES_CACHE_MS;
// - the process's own (CPU, memory, event loop, GC): prom-client's defaults.
// The SDK's worker metrics are another endpoint (./telemetry.ts).
import type { RequestHandler, Response } from 'express';
import type { Client } from '@temporalio/client';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { HR_EVENT_TYPES } from '../../workflows/hr-events.ts';
import { Phase } from '../../workflows/search-attributes.ts';
import { loggerFor } from './log.ts';

/** Everything counted in this process (the API's HR events, the adapters' calls, the defaults). */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const hrEvents = new Counter({
  name: 'phonefleet_hr_events_total',
  help: 'HR deliveries answered at POST /hr/events, by CloudEvent type and outcome (accepted, duplicate, conflict, refused, unsigned, unavailable, error)',
  labelNames: ['type', 'outcome'] as const,
  registers: [registry],
});

const externalCalls = new Counter({
  name: 'phonefleet_external_calls_total',
  help: 'HTTP requests sent to external systems, by system and answer (2xx, 4xx, 5xx, ... or network: no answer)',
  labelNames: ['system', 'status'] as const,
  registers: [registry],
});

const externalThrottled = new Counter({
  name: 'phonefleet_external_throttled_total',
  help: 'HTTP 429 (too many requests) answers from external systems, by system',
  labelNames: ['system'] as const,
  registers: [registry],
});

/** One request to an external system and its HTTP status (undefined: no answer came). */
export function countExternalCall(system: string, status: number | undefined): void {
  externalCalls.inc({ system, status: status === undefined ? 'network' : `${Math.floor(status / 100)}xx` });
  if (status === 429) externalThrottled.inc({ system });
}

// --- HR events -------------------------------------------------------------------------------

/** What the HR route tells the counter (res.locals.hrEvent): the type it read, whether a receipt answered. */
export interface HrEventNote {
  type?: unknown;
  duplicate?: boolean;
}

export type HrEventOutcome = 'accepted' | 'duplicate' | 'conflict' | 'refused' | 'unsigned' | 'unavailable' | 'error';

export function hrEventOutcome(status: number, duplicate: boolean): HrEventOutcome {
  if (status >= 200 && status < 300) return duplicate ? 'duplicate' : 'accepted';
  if (status === 401) return 'unsigned';
  if (status === 409) return 'conflict';
  if (status === 503) return 'unavailable';
  return status < 500 ? 'refused' : 'error';
}

/** Only HR's known types are labels: anything else a sender writes would be a new time series. */
const hrEventType = (type: unknown): string => (typeof type === 'string' && Object.hasOwn(HR_EVENT_TYPES, type) ? HR_EVENT_TYPES[type as keyof typeof HR_EVENT_TYPES] : 'unknown');

/** Counts the answer of each delivery to the HR route it is mounted on. */
export const countHrEvents: RequestHandler = (_req, res, next) => {
  res.on('finish', () => {
    const note = (res.locals.hrEvent ?? {}) as HrEventNote;
    hrEvents.inc({ type: hrEventType(note.type), outcome: hrEventOutcome(res.statusCode, note.duplicate === true) });
  });
  next();
};

// --- processes by phase ----------------------------------------------------------------------

export const PHASES_CACHE_MS = 15_000;
const MAX_PHASE_LABEL = 64;
const log = loggerFor('api');

export interface PhaseSource {
  temporal: Client;
  taskQueue: string;
  /** Runs a Temporal call with the API's deadline (src/api/temporal-calls.ts). */
  withDeadline: <T>(call: () => Promise<T>) => Promise<T>;
}

/** Running processes of this deployment (its task queue) that show a phase, counted by workflow type and phase. */
async function countPhases(source: PhaseSource): Promise<Map<string, { process: string; phase: string; count: number }>> {
  const counts = new Map<string, { process: string; phase: string; count: number }>();
  const query = `ExecutionStatus = "Running" AND TaskQueue = "${source.taskQueue.replace(/["\\]/g, '')}" AND ${Phase.name} IS NOT NULL`;
  await source.withDeadline(async () => {
    for await (const wf of source.temporal.workflow.list({ query, pageSize: 1000 })) {
      const phase = String(wf.typedSearchAttributes.get(Phase) ?? '').slice(0, MAX_PHASE_LABEL);
      const key = `${wf.type}\u0000${phase}`;
      const entry = counts.get(key) ?? { process: wf.type, phase, count: 0 };
      entry.count++;
      counts.set(key, entry);
    }
  });
  return counts;
}

/**
 * A registry for one API: its own metrics (processes by phase, from its Temporal client) and the
 * process's. Scrapes within PHASES_CACHE_MS, and concurrent ones, share one visibility listing;
 * while Temporal does not answer the last counts stay and phonefleet_process_phases_up says 0.
 */
export function apiMetrics(source: PhaseSource, now: () => number = Date.now): Registry {
  const own = new Registry();
  let last: { at: number; counts: Awaited<ReturnType<typeof countPhases>> } | undefined;
  let pending: Promise<void> | undefined;
  let up = 0;
  const refresh = () =>
    (pending ??= countPhases(source)
      .then((counts) => {
        last = { at: now(), counts };
        up = 1;
      })
      .catch((err: unknown) => {
        up = 0;
        log.warn({ err }, 'processes by phase: Temporal visibility did not answer; last counts kept');
      })
      .finally(() => {
        pending = undefined;
      }));
  new Gauge({
    name: 'phonefleet_processes',
    help: `Running processes by workflow type and phase (the Phase search attribute), as Temporal's visibility lists them; at most ${PHASES_CACHE_MS / 1000} s old`,
    labelNames: ['process', 'phase'] as const,
    registers: [own],
    async collect() {
      if (!last || now() - last.at >= PHASES_CACHE_MS) await refresh();
      this.reset();
      for (const { process, phase, count } of last?.counts.values() ?? []) this.set({ process, phase }, count);
    },
  });
  new Gauge({
    name: 'phonefleet_process_phases_up',
    help: "1 when the last listing of processes by phase from Temporal's visibility succeeded",
    registers: [own],
    collect() {
      this.set(up);
    },
  });
  return Registry.merge([registry, own]);
}

/** GET /metrics of one API: the registry in Prometheus' text format. */
export async function sendMetrics(metrics: Registry, res: Response): Promise<void> {
  const text = await metrics.metrics();
  res.set('Content-Type', metrics.contentType).send(text);
}
