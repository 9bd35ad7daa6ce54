// phonefleet's logs: one JSON object per line on stdout (pino), for a collector to read. What
// must never reach them is cut out twice: by path (redact) for the fields known to carry names,
// identity documents and credentials, and by pattern (scrubText) for free text, such as error
// messages and paths, that nobody can path-match.
import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';

export type Logger = pino.Logger;

export const REDACTED = '[redacted]';

/**
 * Fields holding personal data or credentials, wherever a log call puts them (top level, or one
 * object down: `req.headers.authorization`, `employee.displayName`).
 */
const SENSITIVE_FIELDS = [
  // names and identity (passport) data
  'name',
  'displayName',
  'firstName',
  'lastName',
  'middleName',
  'fullName',
  'birthDate',
  'nationality',
  'documentType',
  'documentNumber',
  'identity',
  'email',
  'phone',
  // credentials
  'authorization',
  'cookie',
  'token',
  'accessToken',
  'access_token',
  'password',
  'secret',
  'clientSecret',
  'client_secret',
  'webhook-signature',
  'signature',
];

export const REDACT_PATHS = [
  ...SENSITIVE_FIELDS.flatMap((f) => (/^\w+$/.test(f) ? [f, `*.${f}`] : [`["${f}"]`, `*["${f}"]`])),
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["webhook-signature"]',
  'req.headers["x-api-key"]',
];

/** Patterns of secrets in free text, each with what it becomes. */
const SECRET_PATTERNS: [RegExp, string][] = [
  // Bearer and Basic credentials (an Authorization header quoted in an error)
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // the Web UI's codec URL holds a secret made at each start: /codec/<secret>/decode
  [/\/codec\/(?!decode\b|encode\b)[A-Za-z0-9_-]{16,}/g, `/codec/${REDACTED}`],
  // Standard Webhooks signatures and secrets
  [/\bv1,[A-Za-z0-9+/=]{16,}/g, `v1,${REDACTED}`],
  [/\bwhsec_[A-Za-z0-9+/=]+/g, `whsec_${REDACTED}`],
  // credentials in a URL (user:password@host) or its query (?token=..., &client_secret=...)
  [/\/\/[^/\s:@]+:[^/\s@]+@/g, `//${REDACTED}@`],
  [/([?&](?:token|access_token|secret|client_secret|password|signature)=)[^&\s]+/gi, `$1${REDACTED}`],
];

/** Free text with every credential pattern replaced. Names cannot be recognised: never log them. */
export function scrubText(text: string): string {
  return SECRET_PATTERNS.reduce((s, [pattern, replacement]) => s.replace(pattern, replacement), text);
}

/** An error as logged: its type, scrubbed message and stack, and an HTTP status or code if any. */
function errorSerializer(err: unknown): unknown {
  if (!(err instanceof Error)) return typeof err === 'string' ? scrubText(err) : err;
  const { status, code } = err as Error & { status?: unknown; code?: unknown };
  return {
    type: err.name,
    message: scrubText(err.message),
    ...(err.stack ? { stack: scrubText(err.stack) } : {}),
    ...(typeof status === 'number' ? { status } : {}),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
  };
}

/** The request a log line was written for (the API's request id), wherever it is written from. */
const requestContext = new AsyncLocalStorage<{ reqId: string }>();

export function runWithRequestId<T>(reqId: string, fn: () => T): T {
  return requestContext.run({ reqId }, fn);
}

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.reqId;
}

export interface LoggerOptions {
  level?: string;
  /** Where the lines go; stdout when absent (tests pass a stream to read them back). */
  destination?: pino.DestinationStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'phonefleet' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { err: errorSerializer, error: errorSerializer },
      // A line written while a request is handled carries its id, without passing loggers around.
      mixin: () => {
        const reqId = currentRequestId();
        return reqId ? { reqId } : {};
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** The process's logger; parts take a child naming themselves (`component`). */
export const logger: Logger = createLogger();

/** A component's logger: `api`, `worker`, `start`, `temporal`, `simulator`. */
export const loggerFor = (component: string, parent: Logger = logger): Logger => parent.child({ component });

/** An error message for a log line's `msg`, or an error to put under `err`. */
export const messageOf = (err: unknown): string => scrubText(err instanceof Error ? err.message : String(err));
