// One line per request: method, route, status, time. Never bodies or headers (they carry names
// and identity data); paths carry only ids, and are cut: a hostile client's 8 KB path would
// otherwise fill the log.
import type { RequestHandler } from 'express';

export const MAX_LOGGED_PATH = 200;

export function requestLog(write: (line: string) => void = (l) => console.log(l)): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      write(`api: ${req.method} ${loggedPath(req.originalUrl)} ${res.statusCode} ${ms.toFixed(1)}ms`);
    });
    next();
  };
}

/** The path without its query, cut to MAX_LOGGED_PATH characters (still percent-encoded as sent). */
export function loggedPath(url: string): string {
  const path = url.split('?')[0]!;
  return path.length <= MAX_LOGGED_PATH ? path : `${path.slice(0, MAX_LOGGED_PATH)}...(+${path.length - MAX_LOGGED_PATH})`;
}
