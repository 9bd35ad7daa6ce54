// Sentry's sessions API (release health), bearer token:
//   GET /api/0/organizations/{org}/sessions/?field=sum(session)&field=crash_free_rate(session)
//       &field=anr_rate()&groupBy=release&groupBy=environment&query=release:"a" OR release:"b"&start=...
// -> { groups: [{ by: { release, environment }, totals: { "sum(session)", "crash_free_rate(session)", "anr_rate()" } }] }
// The apps report the store a phone is in as Sentry's `environment`.
import { PermanentSystemError } from '../shared/errors.ts';
import { HttpClient, staticBearer } from '../shared/http-client.ts';
import type { CrashReporterApi, ReleaseSessions } from './api.ts';

export interface CrashReporterHttpConfig {
  baseUrl: string;
  token: string;
  organization: string;
  timeoutMs?: number;
}

const SYSTEM = 'crash-reporter';

interface SessionsAnswer {
  groups?: { by?: { release?: unknown; environment?: unknown }; totals?: Record<string, unknown> }[];
}

const rate = (v: unknown): number | null => (typeof v === 'number' && v >= 0 && v <= 1 ? v : null);

export class CrashReporterHttpApi implements CrashReporterApi {
  private readonly http: HttpClient;

  constructor(private readonly config: CrashReporterHttpConfig) {
    this.http = new HttpClient({ system: SYSTEM, baseUrl: config.baseUrl, auth: staticBearer(config.token), ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}) });
  }

  async releaseHealth(input: { releases: string[]; since: string }): Promise<ReleaseSessions[]> {
    if (input.releases.length === 0) return [];
    const query = new URLSearchParams();
    for (const field of ['sum(session)', 'crash_free_rate(session)', 'anr_rate()']) query.append('field', field);
    query.append('groupBy', 'release');
    query.append('groupBy', 'environment');
    query.set('query', input.releases.map((r) => `release:"${r.replace(/"/g, '')}"`).join(' OR '));
    query.set('start', input.since);
    const answer = await this.http.request<SessionsAnswer>({
      operation: 'releaseHealth',
      method: 'GET',
      path: `/api/0/organizations/${encodeURIComponent(this.config.organization)}/sessions/?${query}`,
    });
    if (!answer || !Array.isArray(answer.groups)) throw new PermanentSystemError(SYSTEM, 'releaseHealth: unexpected answer');
    return answer.groups.flatMap((g) => {
      const release = g.by?.release;
      const storeId = g.by?.environment;
      const sessions = g.totals?.['sum(session)'];
      if (typeof release !== 'string' || typeof storeId !== 'string' || typeof sessions !== 'number') return [];
      return [{ release, storeId, sessions, crashFreeRate: rate(g.totals?.['crash_free_rate(session)']), anrRate: rate(g.totals?.['anr_rate()']) }];
    });
  }
}
