// Operator endpoints take a bearer token; its holder's name becomes the actor in the audit log.
import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from './http-errors.ts';

export function requireOperator(tokens: Map<string, string>): RequestHandler {
  const known = [...tokens.entries()].map(([token, name]) => ({ token: Buffer.from(token), name }));
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const offered = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    const match = known.find(({ token }) => token.length === offered.length && timingSafeEqual(token, offered));
    if (!match) return next(new HttpError(401, 'missing or invalid bearer token'));
    res.locals.operator = match.name;
    next();
  };
}
