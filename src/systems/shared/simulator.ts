// What every simulator shares: an Express app on 127.0.0.1 (ephemeral port unless told
// otherwise), the admin API under /_sim (faults, call counts, health; never faulted), API
// routes that are counted, then faulted, then handled, and its data (what the real system
// would keep in its database) as plain JSON, so that a restart can carry it over.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import { FaultInjector, mountFaultAdmin } from './faults.ts';
import { SimHttpError } from './request-fields.ts';
import { loggerFor } from '../../observability/log.ts';

const log = loggerFor('simulator');

export interface SimulatorOptions {
  host?: string;
  /** 0 (default) = an ephemeral port. */
  port?: number;
  /** Seed of the fault-injection PRNG. */
  seed?: number;
}

/** How many times each API route was called, keyed "METHOD /path/template". */
export class CallCounter {
  private readonly counts = new Map<string, number>();

  record(route: string): void {
    this.counts.set(route, (this.counts.get(route) ?? 0) + 1);
  }

  count(route: string): number {
    return this.counts.get(route) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }

  reset(): void {
    this.counts.clear();
  }
}

type Method = 'get' | 'post' | 'put' | 'delete';

/** Requests that change nothing a simulator keeps (a GET may count calls, nothing more). */
const READ_ONLY_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export abstract class Simulator<State = unknown> {
  readonly faults: FaultInjector;
  readonly calls = new CallCounter();
  /** Admin routes, mounted under /_sim. */
  protected readonly admin: Router = express.Router();
  private readonly api: Router = express.Router();
  private readonly server: Server;
  private baseUrl: string | undefined;
  private readonly changeListeners: (() => void)[] = [];

  constructor(
    readonly name: string,
    private readonly options: SimulatorOptions = {},
  ) {
    this.faults = new FaultInjector(options.seed ?? 1);
    const app = express();
    app.disable('x-powered-by');
    // Told once the request is done (answered, or abandoned by the client after the handler
    // may have changed something), so that what a listener saves includes the change.
    app.use(((req, res, next) => {
      if (!READ_ONLY_METHODS.has(req.method)) res.once('close', () => this.changed());
      next();
    }) satisfies RequestHandler);
    // Admin bodies can be large: a whole store's devices registered at once.
    app.use('/_sim', express.json({ limit: '50mb' }), this.admin);
    app.use(express.json(), express.urlencoded({ extended: false }), this.api);
    app.use(((_req, res) => {
      res.status(404).json({ error: 'no such route' });
    }) satisfies RequestHandler);
    app.use(this.errorHandler);
    this.server = createServer(app);

    mountFaultAdmin(this.admin, this.faults);
    this.admin.get('/calls', (_req, res) => {
      res.json(this.calls.snapshot());
    });
    this.admin.delete('/calls', (_req, res) => {
      this.calls.reset();
      res.status(204).end();
    });
    this.admin.get('/health', (_req, res) => {
      res.json({ name: this.name, ok: true });
    });
  }

  /** The simulated system's data, as JSON (no counters, faults or tokens: those restart fresh). */
  abstract exportState(): State;

  /** Replaces the simulator's data with what exportState() gave; before start(). */
  abstract importState(state: State): void;

  /**
   * `listener` runs after every API or admin request that may have changed the data.
   * In-process changes (seeding) are not reported: whoever makes them knows.
   */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  private changed(): void {
    for (const listener of this.changeListeners) listener();
  }

  /** Registers an API route: counted (every attempt, faulted or not), faulted, handled. */
  protected route(method: Method, path: string, ...handlers: RequestHandler[]): void {
    const key = `${method.toUpperCase()} ${path}`;
    const count: RequestHandler = (_req, _res, next) => {
      this.calls.record(key);
      next();
    };
    this.api[method](path, count, this.faults.middleware, ...handlers);
  }

  // Answers SimHttpErrors as thrown; never echoes a request body (some carry identity data).
  private readonly errorHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    if (err instanceof SimHttpError) {
      res.status(err.status).set(err.headers).json(err.body);
      return;
    }
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: 'malformed request' });
      return;
    }
    log.error({ simulator: this.name, method: req.method, path: req.path.slice(0, 200), error: (err as Error)?.name ?? 'unknown' }, 'internal error');
    res.status(500).json({ error: 'internal error' });
  };

  get url(): string {
    if (!this.baseUrl) throw new Error(`${this.name} simulator is not started`);
    return this.baseUrl;
  }

  async start(): Promise<string> {
    if (this.baseUrl) return this.baseUrl;
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    if (!this.baseUrl) return;
    this.baseUrl = undefined;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Clients keep connections alive; without this, close() waits for them to time out.
    this.server.closeAllConnections();
    await closed;
  }
}
