// The HTTP plumbing every adapter shares: a per-request timeout, one classification of
// failures into retryable and permanent (so Temporal retries what can heal and stops on what
// cannot), Retry-After honoured, and credentials refreshed once on a 401.
// Error messages name the operation and the HTTP status (plus a short error code when the
// system sends one), never a request or response body: some bodies carry identity data.
import { countExternalCall } from '../../observability/metrics.ts';
import { PermanentSystemError, RetryableSystemError } from './errors.ts';

export const DEFAULT_TIMEOUT_MS = 10_000;

/** How a client proves who it is; `refresh` drops a cached credential after a 401. */
export interface Authorization {
  header(): Promise<string>;
  /** Absent for static credentials: a 401 then means they are wrong, and is permanent. */
  refresh?(): void;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface HttpRequest {
  /** Names the call in error messages, e.g. "selectDeviceInfoByImei". */
  operation: string;
  method: HttpMethod;
  /** Appended to the base URL. */
  path: string;
  query?: Record<string, string | number | undefined>;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as is (an APK upload), with its content type. */
  raw?: { contentType: string; bytes: Uint8Array };
  headers?: Record<string, string>;
}

export interface HttpClientOptions {
  /** System name in errors, e.g. "knox-manage". */
  system: string;
  baseUrl: string;
  timeoutMs?: number;
  auth?: Authorization;
  /** Asked before every request is sent (a rate budget): waits for its turn, or throws. */
  pace?: (req: HttpRequest) => Promise<void>;
  /** Told of a 429 with its Retry-After, so that the pacing holds everyone back. */
  throttled?: (req: HttpRequest, retryAfterMs: number) => Promise<void>;
  /**
   * Error codes that mean "too many requests" whatever the HTTP status, with how long to hold
   * off when no Retry-After comes with them (Control Center: HTTP 400 errorCode 40000029).
   * Such an answer is retryable and tells `throttled`, like a 429.
   */
  throttleCodes?: Readonly<Record<string, number>>;
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP-date (RFC 9110 10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A short machine code from a typical error body; never free text. */
function errorCodeOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const record = body as Record<string, unknown>;
  const nested = record.error;
  const candidates = [
    record.errorCode,
    record.resultCode,
    typeof nested === 'string' ? nested : undefined,
    nested !== null && typeof nested === 'object' ? (nested as Record<string, unknown>).code : undefined,
    record.code,
  ];
  const code = candidates.find((c): c is string | number => typeof c === 'string' || typeof c === 'number');
  return code !== undefined && /^[\w.:-]{1,64}$/.test(String(code)) ? String(code) : undefined;
}

/** The error for a non-2xx answer (404 included: callers that expect it handle it first). */
export function errorForStatus(
  system: string,
  operation: string,
  status: number,
  retryAfter: string | null,
  body: unknown,
  throttleCodes?: Readonly<Record<string, number>>,
): Error {
  const code = errorCodeOf(body);
  const message = `${operation} failed: HTTP ${status}${code ? ` (${code})` : ''}`;
  const throttledFor = code !== undefined && throttleCodes !== undefined && Object.hasOwn(throttleCodes, code) ? throttleCodes[code] : undefined;
  if (throttledFor !== undefined) return new RetryableSystemError(system, message, parseRetryAfter(retryAfter) ?? throttledFor, status);
  if (status === 429 || status === 503) return new RetryableSystemError(system, message, parseRetryAfter(retryAfter), status);
  if (status === 408 || status >= 500) return new RetryableSystemError(system, message, undefined, status);
  return new PermanentSystemError(system, message, status);
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { unparsable: true };
  }
}

export class HttpClient {
  readonly system: string;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly auth: Authorization | undefined;
  private readonly pace: HttpClientOptions['pace'];
  private readonly throttled: HttpClientOptions['throttled'];
  private readonly throttleCodes: HttpClientOptions['throttleCodes'];

  constructor(options: HttpClientOptions) {
    this.system = options.system;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.auth = options.auth;
    this.pace = options.pace;
    this.throttled = options.throttled;
    this.throttleCodes = options.throttleCodes;
  }

  /** The parsed JSON body of a 2xx answer (undefined when empty). */
  async request<T>(req: HttpRequest): Promise<T> {
    const { status, body, retryAfter } = await this.exchange(req);
    if (status >= 200 && status < 300) return this.json<T>(req, body);
    throw errorForStatus(this.system, req.operation, status, retryAfter, body, this.throttleCodes);
  }

  /** Like request, but a 404 answers null: lookups of things that may not exist (yet). */
  async lookup<T>(req: HttpRequest): Promise<T | null> {
    const { status, body, retryAfter } = await this.exchange(req);
    if (status === 404) return null;
    if (status >= 200 && status < 300) return this.json<T>(req, body);
    throw errorForStatus(this.system, req.operation, status, retryAfter, body, this.throttleCodes);
  }

  private json<T>(req: HttpRequest, body: unknown): T {
    if (body !== null && typeof body === 'object' && 'unparsable' in body) {
      throw new PermanentSystemError(this.system, `${req.operation} failed: answer is not JSON`);
    }
    return body as T;
  }

  /** Sends once, and once more with fresh credentials after a 401 when they can be refreshed. */
  private async exchange(req: HttpRequest): Promise<{ status: number; body: unknown; retryAfter: string | null }> {
    let response = await this.send(req);
    if (response.status === 401 && this.auth?.refresh) {
      await response.body?.cancel();
      this.auth.refresh();
      response = await this.send(req);
    }
    let body: unknown;
    try {
      body = await readBody(response);
    } catch {
      throw new RetryableSystemError(this.system, `${req.operation} failed: connection lost while reading the answer`);
    }
    if (this.throttled) {
      const code = response.status >= 400 && this.throttleCodes ? errorCodeOf(body) : undefined;
      const holdOffMs = response.status === 429 ? 60_000 : code !== undefined && Object.hasOwn(this.throttleCodes!, code) ? this.throttleCodes![code] : undefined;
      if (holdOffMs !== undefined) await this.throttled(req, parseRetryAfter(response.headers.get('retry-after')) ?? holdOffMs).catch(() => undefined);
    }
    return { status: response.status, body, retryAfter: response.headers.get('retry-after') };
  }

  private async send(req: HttpRequest): Promise<Response> {
    const url = new URL(this.baseUrl + req.path);
    for (const [name, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    let body: string | Uint8Array | undefined;
    if (req.raw) {
      headers['content-type'] = req.raw.contentType;
      body = req.raw.bytes;
    } else if (req.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(req.form).toString();
    } else if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    }
    if (this.auth) headers.authorization = await this.auth.header();
    // After the credentials: a token request takes its own turn.
    await this.pace?.(req);
    try {
      const response = await fetch(url, { method: req.method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
      countExternalCall(this.system, response.status);
      return response;
    } catch (err) {
      countExternalCall(this.system, undefined);
      const timedOut = err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError');
      const reason = timedOut ? `no answer within ${this.timeoutMs} ms` : 'network error';
      throw new RetryableSystemError(this.system, `${req.operation} failed: ${reason}`);
    }
  }
}

/** Fixed credentials: HTTP Basic or a static bearer token. A 401 with them is permanent. */
export function basicAuth(user: string, secret: string): Authorization {
  const header = `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
  return { header: async () => header };
}

export function staticBearer(token: string): Authorization {
  return { header: async () => `Bearer ${token}` };
}

/**
 * A bearer token obtained by some login call and cached: until shortly before it expires
 * when the login says so, else until the API answers 401. Concurrent callers share one login.
 *
 * While the login fails for a reason that can heal (an outage, throttling), the token it was
 * meant to renew is used for as long as it is still valid, and the failure is remembered for a
 * while (the Retry-After, else 2 s doubling to a minute): every caller in that time gets it at
 * once instead of asking again, so 50 processes waiting through an outage ask for a handful of
 * tokens, not one per retry.
 */
export class CachedBearerToken implements Authorization {
  private token: { value: string; refreshAt: number; expiresAt: number } | undefined;
  private pending: Promise<string> | undefined;
  private failure: { error: RetryableSystemError; until: number; cooldownMs: number } | undefined;

  constructor(
    private readonly login: () => Promise<{ token: string; expiresInSeconds?: number }>,
    private readonly now: () => number = Date.now,
  ) {}

  async header(): Promise<string> {
    return `Bearer ${await this.current()}`;
  }

  refresh(): void {
    this.token = undefined;
  }

  private async current(): Promise<string> {
    const now = this.now();
    if (this.token && now < this.token.refreshAt) return this.token.value;
    if (this.failure && now < this.failure.until) {
      if (this.token && now < this.token.expiresAt) return this.token.value;
      const { error, until } = this.failure;
      throw new RetryableSystemError(error.system, `${error.message.slice(error.system.length + 2)} (token not asked for again yet)`, until - now, error.status);
    }
    this.pending ??= this.login()
      .then(({ token, expiresInSeconds }) => {
        // Renew a little early (10% of the lifetime, at most 60 s) so a token never expires in flight.
        const lifetimeMs = expiresInSeconds === undefined ? Number.POSITIVE_INFINITY : expiresInSeconds * 1000;
        const margin = Math.min(60_000, lifetimeMs / 10);
        const at = this.now();
        this.token = { value: token, refreshAt: at + lifetimeMs - margin, expiresAt: at + lifetimeMs - 1_000 };
        this.failure = undefined;
        return token;
      })
      .catch((err: unknown) => {
        if (!(err instanceof RetryableSystemError)) throw err;
        const cooldownMs = Math.min(60_000, this.failure ? this.failure.cooldownMs * 2 : 2_000);
        const at = this.now();
        this.failure = { error: err, until: at + Math.max(cooldownMs, err.retryAfterMs ?? 0), cooldownMs };
        if (this.token && at < this.token.expiresAt) return this.token.value;
        throw err;
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }
}

export interface ClientCredentialsConfig {
  system: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  timeoutMs?: number;
  /** The token endpoint's requests count against the system's rate budget too. */
  pace?: HttpClientOptions['pace'];
}

/** OAuth2 client-credentials grant (RFC 6749 4.4): Knox Manage and Microsoft Graph. */
export function oauthClientCredentials(config: ClientCredentialsConfig): CachedBearerToken {
  const tokenEndpoint = new HttpClient({
    system: config.system,
    baseUrl: config.tokenUrl,
    ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}),
    ...(config.pace ? { pace: config.pace } : {}),
  });
  return new CachedBearerToken(async () => {
    const form: Record<string, string> = {
      grant_type: 'client_credentials',
      client_id: config.clientId,
      client_secret: config.clientSecret,
    };
    if (config.scope) form.scope = config.scope;
    const answer = await tokenEndpoint.request<{ access_token?: unknown; expires_in?: unknown }>({
      operation: 'token',
      method: 'POST',
      path: '',
      form,
    });
    if (typeof answer?.access_token !== 'string') throw new PermanentSystemError(config.system, 'token failed: no access_token in the answer');
    const expiresIn = Number(answer.expires_in);
    return Number.isFinite(expiresIn) && expiresIn > 0 ? { token: answer.access_token, expiresInSeconds: expiresIn } : { token: answer.access_token };
  });
}
