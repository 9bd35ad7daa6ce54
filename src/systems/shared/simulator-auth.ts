// Authentication shared by the simulators: OAuth2 client-credentials tokens (Knox Manage,
// Microsoft Graph), login tokens (the second MDM), static bearer tokens (HR) and HTTP Basic
// (the operator). Tokens expire, and tests can expire them early to prove clients refresh.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Router } from 'express';
import { Fields, SimHttpError, bodyOf, plainError } from './request-fields.ts';

/** Constant-time comparison that does not leak the secret's length either. */
export function safeEqual(given: string, expected: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function randomSecret(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

export class TokenIssuer {
  private readonly expiries = new Map<string, number>();

  constructor(
    public ttlSeconds = 3600,
    private readonly now: () => number = Date.now,
  ) {}

  issue(): { token: string; expiresIn: number } {
    const token = randomSecret(32);
    this.expiries.set(token, this.now() + this.ttlSeconds * 1000);
    return { token, expiresIn: this.ttlSeconds };
  }

  isValid(token: string): boolean {
    const expiresAt = this.expiries.get(token);
    if (expiresAt === undefined) return false;
    if (expiresAt > this.now()) return true;
    this.expiries.delete(token);
    return false;
  }

  /** Makes every token issued so far expired: the next API call gets a 401. */
  expireAll(): void {
    this.expiries.clear();
  }
}

export function bearerTokenOf(req: Request): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  return match?.[1];
}

export function requireBearer(isValid: (token: string) => boolean, unauthorized: () => SimHttpError): RequestHandler {
  return (req, _res, next) => {
    const token = bearerTokenOf(req);
    if (token === undefined || !isValid(token)) throw withChallenge(unauthorized(), 'Bearer error="invalid_token"');
    next();
  };
}

export interface BasicCredentials {
  user: string;
  secret: string;
}

function basicCredentialsOf(req: Request): BasicCredentials | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

export function requireBasic(expected: BasicCredentials, unauthorized: () => SimHttpError): RequestHandler {
  return (req, _res, next) => {
    const given = basicCredentialsOf(req);
    const ok = given !== undefined && safeEqual(given.user, expected.user) && safeEqual(given.secret, expected.secret);
    if (!ok) throw withChallenge(unauthorized(), 'Basic realm="api"');
    next();
  };
}

function withChallenge(error: SimHttpError, challenge: string): SimHttpError {
  return new SimHttpError(error.status, error.body, { ...error.headers, 'WWW-Authenticate': challenge });
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/**
 * OAuth2 client-credentials token endpoint (RFC 6749 4.4): form-encoded, the client
 * authenticated in the body or with HTTP Basic; errors as in RFC 6749 5.2.
 */
export function clientCredentialsTokenEndpoint(client: ClientCredentials, issuer: TokenIssuer): RequestHandler {
  const reject = (error: string, status = 400): SimHttpError => new SimHttpError(status, { error });
  return (req, res) => {
    const fields = new Fields(bodyOf(req), plainError(400));
    if (fields.optionalString('grant_type') !== 'client_credentials') throw reject('unsupported_grant_type');
    const basic = basicCredentialsOf(req);
    const clientId = basic?.user ?? fields.optionalString('client_id') ?? '';
    const clientSecret = basic?.secret ?? fields.optionalString('client_secret') ?? '';
    if (!safeEqual(clientId, client.clientId) || !safeEqual(clientSecret, client.clientSecret)) {
      throw reject('invalid_client', 401);
    }
    const { token, expiresIn } = issuer.issue();
    res.set('Cache-Control', 'no-store').json({ access_token: token, token_type: 'Bearer', expires_in: expiresIn });
  };
}

/** `POST /_sim/tokens/expire` (every token issued so far stops working), `PUT /_sim/tokens {ttlSeconds}`. */
export function mountTokenAdmin(admin: Router, issuer: TokenIssuer): void {
  admin.post('/tokens/expire', (_req, res) => {
    issuer.expireAll();
    res.status(204).end();
  });
  admin.put('/tokens', (req, res) => {
    const ttl = new Fields(bodyOf(req), plainError(400)).optionalNumber('ttlSeconds');
    if (ttl !== undefined) {
      if (ttl <= 0) throw plainError(400)('ttlSeconds must be positive');
      issuer.ttlSeconds = ttl;
    }
    res.json({ ttlSeconds: issuer.ttlSeconds });
  });
}
