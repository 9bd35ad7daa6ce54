// Request ids and one log line per request: method, path, status, time. Never bodies or
// headers (they carry names and identity data); paths carry only ids, and are cut: a hostile
// client's 8 KB path would otherwise fill the log. The codec URL's secret is scrubbed from them.
//
// A request id comes from the caller (X-Request-Id, when it looks like one: a load balancer's or
// Jenkins' id ties their logs to ours) or is made here; it is echoed in the response and carried
// by every log line written while the request is handled (src/observability/log.ts).
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { runWithRequestId, scrubText, type Logger } from '../observability/log.ts';

export const MAX_LOGGED_PATH = 200;
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** What an incoming id may look like: short, and nothing that could forge or break a log line. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function requestIdOf(incoming: string | undefined): string {
  return incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Gives the request its id; with a logger, also logs the request when it is answered. */
export function requestLog(log?: Logger): RequestHandler {
  return (req, res, next) => {
    const reqId = requestIdOf(req.get(REQUEST_ID_HEADER));
    res.setHeader(REQUEST_ID_HEADER, reqId);
    res.locals.reqId = reqId;
    if (log) {
      res.locals.log = log;
      const started = process.hrtime.bigint();
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        log.info({ reqId, method: req.method, path: loggedPath(req.originalUrl), status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
      });
    }
    runWithRequestId(reqId, next);
  };
}

/** The path without its query, scrubbed of secrets and cut to MAX_LOGGED_PATH characters (still percent-encoded as sent). */
export function loggedPath(url: string): string {
  const path = scrubText(url.split('?')[0]!);
  return path.length <= MAX_LOGGED_PATH ? path : `${path.slice(0, MAX_LOGGED_PATH)}...(+${path.length - MAX_LOGGED_PATH})`;
}
