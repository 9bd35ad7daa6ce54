// One line per request: method, route, status, time. Never bodies or headers (they carry names
// and identity data); paths carry only ids.
import type { RequestHandler } from 'express';

export function requestLog(write: (line: string) => void = (l) => console.log(l)): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      write(`api: ${req.method} ${req.originalUrl.split('?')[0]} ${res.statusCode} ${ms.toFixed(1)}ms`);
    });
    next();
  };
}
