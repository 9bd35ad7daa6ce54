// The `phonefleet` command's side of the HTTP API: where it is and which token to present (from
// the environment, so nothing secret lands in shell history or process lists), and what each
// answer means as an exit code a pipeline (a Jenkins stage, a shell script) can act on.

/** Exit codes, the same for every command (printed by `phonefleet --help`). */
export const EXIT = {
  ok: 0,
  /** The API refused: a conflict with the current state (409) or an unprocessable request (422). */
  refused: 1,
  /** Bad arguments or options (commander's own), the API's 400, or PHONEFLEET_API_URL / PHONEFLEET_TOKEN unset. */
  usage: 2,
  notFound: 3,
  /** The token is missing, unknown (401) or lacks the scope (403). */
  auth: 4,
  /** The API is unreachable, answered 5xx (e.g. Temporal down, 503 with Retry-After) or 429: try again later. */
  unavailable: 5,
} as const;

export const EXIT_CODES_HELP = `
Environment:
  PHONEFLEET_API_URL  the API's address, e.g. http://127.0.0.1:8080
  PHONEFLEET_TOKEN    an API token (its scopes decide which commands it may run)

Exit codes:
  0  done (also when it was already done: a repeated hand-over or close)
  1  refused: the request conflicts with the current state (HTTP 409/422)
  2  usage: bad arguments, the API's 400, or the environment above unset
  3  not found (HTTP 404): no such employee, device, store, freeze or task
  4  authentication or permission (HTTP 401/403)
  5  unavailable: the API cannot be reached, answered 5xx or 429; try again later
`;

export interface Problem {
  field: string;
  message: string;
}

/** A failure the command reports in one line and turns into its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    /** The API's answer, printed as is with --json. */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export function exitCodeOfStatus(status: number): number {
  if (status === 400) return EXIT.usage;
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 429 || status >= 500) return EXIT.unavailable;
  return EXIT.refused;
}

export interface ApiSettings {
  url: string;
  token: string;
}

export function apiSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ApiSettings {
  const url = env.PHONEFLEET_API_URL;
  const token = env.PHONEFLEET_TOKEN;
  const missing = [!url && 'PHONEFLEET_API_URL', !token && 'PHONEFLEET_TOKEN'].filter(Boolean);
  if (missing.length) throw new CliError(`set ${missing.join(' and ')} (the API's address, e.g. http://127.0.0.1:8080, and an API token)`, EXIT.usage);
  return { url: url!.replace(/\/+$/, ''), token: token! };
}

/** An answer of the API that is not an error; `status` tells 200 (already done) from 201/202. */
export interface ApiAnswer<T> {
  status: number;
  body: T;
}

// Long enough for a hand-over (a Temporal query and signal), short enough that a hung API
// does not hold a pipeline stage forever.
const REQUEST_TIMEOUT_MS = 30_000;

export class PhonefleetApi {
  constructor(private readonly settings: ApiSettings) {}

  get url(): string {
    return this.settings.url;
  }

  /** `body` is sent as JSON, or as is when it is `{ bytes, contentType }` (an APK). */
  async request<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<ApiAnswer<T>> {
    const { url, token } = this.settings;
    const raw = body instanceof RawBody ? body : undefined;
    let res: Response;
    try {
      res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(raw ? { 'content-type': raw.contentType } : body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: raw ? raw.bytes : body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      const why = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw new CliError(`cannot reach the API at ${url}: ${why}`, EXIT.unavailable);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // A proxy's HTML error page, say: the status still tells what happened.
    }
    if (!res.ok) {
      const answer = (parsed ?? {}) as { error?: string; problems?: Problem[] };
      const problems = answer.problems?.length ? ` (${answer.problems.map((p) => `${p.field} ${p.message}`).join('; ')})` : '';
      const retry = res.headers.get('retry-after');
      throw new CliError(`${res.status} from the API: ${answer.error ?? res.statusText}${problems}${retry ? ` (retry after ${retry} s)` : ''}`, exitCodeOfStatus(res.status), {
        status: res.status,
        ...(typeof parsed === 'object' && parsed !== null ? parsed : {}),
      });
    }
    return { status: res.status, body: parsed as T };
  }

  async get<T>(path: string): Promise<T> {
    return (await this.request<T>('GET', path)).body;
  }
}

export const segment = encodeURIComponent;

/** A request body sent as its bytes, not as JSON. */
export class RawBody {
  constructor(
    readonly bytes: Buffer,
    readonly contentType: string,
  ) {}
}
