// What a worker process tells the outside about Temporal: the SDK's own log lines go through
// phonefleet's logger (JSON, redacted, like every other line), and the SDK's metrics (workflow
// and activity task latencies, slots, polls, sticky cache...) are served by the SDK itself on a
// Prometheus endpoint of their own: they are made in the worker's native core, which only the
// worker's process can export, so the API's /metrics cannot carry them.
import { IllegalStateError, type LogLevel, type LogMetadata, type Logger as TemporalLogger } from '@temporalio/common';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { loggerFor, type Logger } from './log.ts';

/** Where the worker's SDK metrics are served when nothing else is configured (a real fleet). */
export const DEFAULT_WORKER_METRICS_ADDRESS = '127.0.0.1:9464';

type Env = Record<string, string | undefined>;

/**
 * WORKER_METRICS_ADDRESS (`host:port`, or `off`). Unset: the default address for a real fleet;
 * off for the demo, which runs beside other things on a laptop (two demos would fight for one port).
 */
export function workerMetricsAddress(env: Env, demo: boolean): string | undefined {
  const configured = env.WORKER_METRICS_ADDRESS?.trim();
  if (configured === 'off') return undefined;
  if (configured) return configured;
  return demo ? undefined : DEFAULT_WORKER_METRICS_ADDRESS;
}

const PINO_LEVEL = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/** The SDK's logger interface over pino: workflow and activity lines keep their ids as fields. */
export class TemporalPinoLogger implements TemporalLogger {
  constructor(private readonly pino: Logger) {}
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.pino[PINO_LEVEL[level]]({ ...meta }, message);
  }
  trace = (message: string, meta?: LogMetadata) => this.log('TRACE', message, meta);
  debug = (message: string, meta?: LogMetadata) => this.log('DEBUG', message, meta);
  info = (message: string, meta?: LogMetadata) => this.log('INFO', message, meta);
  warn = (message: string, meta?: LogMetadata) => this.log('WARN', message, meta);
  error = (message: string, meta?: LogMetadata) => this.log('ERROR', message, meta);
}

export interface TelemetryOptions {
  /** `host:port` for the SDK's Prometheus endpoint; none when absent. */
  metricsAddress?: string;
  logger?: Logger;
}

/**
 * Installs the SDK's runtime with phonefleet's logger and, if asked, the metrics endpoint. Call
 * it before the first worker or native connection is made: the runtime is installed once per
 * process. Returns false when one was installed already (a test rig installs its own quiet one).
 */
export function installTelemetry(opts: TelemetryOptions = {}): boolean {
  const log = opts.logger ?? loggerFor('temporal');
  try {
    Runtime.install({
      logger: new TemporalPinoLogger(log),
      telemetryOptions: {
        // The native core's lines too, through the same logger; only its warnings are worth reading.
        logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: 'WARN' }) },
        ...(opts.metricsAddress ? { metrics: { prometheus: { bindAddress: opts.metricsAddress } } } : {}),
      },
    });
  } catch (err) {
    if (!(err instanceof IllegalStateError)) throw err;
    log.debug({ metricsAddress: opts.metricsAddress }, 'Temporal runtime already installed in this process; kept as it is');
    return false;
  }
  if (opts.metricsAddress) log.info({ metricsAddress: opts.metricsAddress }, 'worker SDK metrics served');
  return true;
}
