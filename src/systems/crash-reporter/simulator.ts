// A Sentry-style crash reporter: the sessions API the adapter reads (see ./http.ts), bearer token,
// over sessions the apps "report". Tests, the bench and the demo make the apps report through
// `useApp` (a release's sessions in a store, crashing and freezing at the rates set for that
// release with `setReleaseRates`, the same in every store unless set per store) or `recordSessions`.
import { randomSecret, requireBearer, safeEqual } from '../shared/simulator-auth.ts';
import { SimHttpError } from '../shared/request-fields.ts';
import { Simulator, type SimulatorOptions } from '../shared/simulator.ts';

export interface SessionBucket {
  release: string;
  storeId: string;
  at: string;
  sessions: number;
  crashed: number;
  anr: number;
}

export interface ReleaseRates {
  /** Share of sessions that crash, 0..1. */
  crashRate: number;
  /** Share of sessions with an ANR, 0..1. */
  anrRate: number;
}

export interface CrashReporterState {
  buckets: SessionBucket[];
  rates: Record<string, ReleaseRates>;
}

export interface CrashReporterSimulatorOptions extends SimulatorOptions {
  token?: string;
}

const sentryError = (status: number, detail: string) => new SimHttpError(status, { detail });
/** The healthy app's rates when none are set: 0.5 % of sessions crash, 0.2 % freeze. */
export const DEFAULT_RATES: ReleaseRates = { crashRate: 0.005, anrRate: 0.002 };

export class CrashReporterSimulator extends Simulator<CrashReporterState> {
  readonly token: string;
  private buckets: SessionBucket[] = [];
  private rates = new Map<string, ReleaseRates>();

  constructor(options: CrashReporterSimulatorOptions = {}) {
    super('crash-reporter', options);
    this.token = options.token ?? randomSecret();
    const authenticated = requireBearer(
      (token) => safeEqual(token, this.token),
      () => sentryError(401, 'Invalid token'),
    );

    this.route('get', '/api/0/organizations/:org/sessions/', authenticated, (req, res) => {
      const list = (name: string) => ([] as unknown[]).concat(req.query[name] ?? []).map(String);
      const groupBy = list('groupBy');
      if (!groupBy.includes('release') || !groupBy.includes('environment')) throw sentryError(400, 'this simulator groups by release and environment only');
      const query = String(req.query.query ?? '');
      const releases = [...query.matchAll(/release:"([^"]*)"/g)].map((m) => m[1]!);
      if (releases.length === 0) throw sentryError(400, 'query must name releases: release:"..." OR release:"..."');
      const start = Date.parse(String(req.query.start ?? ''));
      if (Number.isNaN(start)) throw sentryError(400, 'start must be an ISO 8601 date-time');
      const totals = new Map<string, { release: string; storeId: string; sessions: number; crashed: number; anr: number }>();
      for (const b of this.buckets) {
        if (!releases.includes(b.release) || Date.parse(b.at) < start) continue;
        const key = `${b.release}\u0000${b.storeId}`;
        const t = totals.get(key) ?? { release: b.release, storeId: b.storeId, sessions: 0, crashed: 0, anr: 0 };
        t.sessions += b.sessions;
        t.crashed += b.crashed;
        t.anr += b.anr;
        totals.set(key, t);
      }
      res.json({
        start: new Date(start).toISOString(),
        end: new Date().toISOString(),
        groups: [...totals.values()].map((t) => ({
          by: { release: t.release, environment: t.storeId },
          totals: {
            'sum(session)': t.sessions,
            'crash_free_rate(session)': t.sessions ? 1 - t.crashed / t.sessions : null,
            'anr_rate()': t.sessions ? t.anr / t.sessions : null,
          },
        })),
      });
    });

    this.admin.post('/sessions', (req, res) => {
      const b = req.body as Partial<SessionBucket>;
      if (typeof b.release !== 'string' || typeof b.storeId !== 'string' || typeof b.sessions !== 'number')
        throw new SimHttpError(400, { error: 'release, storeId and sessions are required' });
      res
        .status(201)
        .json(this.recordSessions({ release: b.release, storeId: b.storeId, sessions: b.sessions, crashed: b.crashed ?? 0, anr: b.anr ?? 0, ...(b.at ? { at: b.at } : {}) }));
    });
    this.admin.put('/releases/:release/rates', (req, res) => {
      const r = req.body as Partial<ReleaseRates>;
      this.setReleaseRates(req.params.release, { crashRate: Number(r.crashRate ?? DEFAULT_RATES.crashRate), anrRate: Number(r.anrRate ?? DEFAULT_RATES.anrRate) });
      res.json(this.ratesOf(req.params.release));
    });
  }

  /** How often `release` crashes and freezes when its phones use it (useApp). */
  setReleaseRates(release: string, rates: ReleaseRates): void {
    this.rates.set(release, rates);
  }

  ratesOf(release: string): ReleaseRates {
    return this.rates.get(release) ?? DEFAULT_RATES;
  }

  /** The phones of a store run `release` for `sessions` sessions: crashes and ANRs at its rates. */
  useApp(input: { release: string; storeId: string; sessions: number; at?: string }): SessionBucket {
    const rates = this.ratesOf(input.release);
    return this.recordSessions({ ...input, crashed: Math.round(input.sessions * rates.crashRate), anr: Math.round(input.sessions * rates.anrRate) });
  }

  recordSessions(input: Omit<SessionBucket, 'at'> & { at?: string }): SessionBucket {
    const bucket = { ...input, at: input.at ?? new Date().toISOString() };
    this.buckets.push(bucket);
    return bucket;
  }

  exportState(): CrashReporterState {
    return { buckets: this.buckets, rates: Object.fromEntries(this.rates) };
  }

  importState(state: CrashReporterState): void {
    this.buckets = [...state.buckets];
    this.rates = new Map(Object.entries(state.rates));
  }
}
