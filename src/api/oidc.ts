// The identity provider's word on who calls the codec: a Web UI with login on passes its user's
// OIDC access token, and phonefleet lets the caller decrypt only if the token is the provider's
// (signature by a key of its JWKS), meant for phonefleet (audience), current, and says the user
// belongs to the group allowed to see personal data.
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';

export interface OidcConfig {
  issuer: string;
  audience: string;
  /** The group whose members may see personal data, e.g. `phonefleet-pii`. */
  group: string;
  /** The claim that lists the user's groups (`groups` for most providers). */
  groupsClaim: string;
  jwksUrl: string;
}

export type OidcVerdict =
  | { ok: true; subject: string }
  /** 401: not a valid token of the provider for phonefleet; 403: valid, but not in the group. */
  | { ok: false; status: 401 | 403; reason: string };

export type OidcVerifier = (token: string) => Promise<OidcVerdict>;

export function oidcVerifier(config: OidcConfig, keys: JWTVerifyGetKey = createRemoteJWKSet(new URL(config.jwksUrl))): OidcVerifier {
  return async (token) => {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'],
      }));
    } catch (err) {
      // Say why (expired, wrong audience...) but never echo the token or its claims.
      const reason = err instanceof errors.JOSEError ? err.code : 'invalid token';
      return { ok: false, status: 401, reason: `identity provider token refused (${reason})` };
    }
    const groups = payload[config.groupsClaim];
    const member = Array.isArray(groups) ? groups.includes(config.group) : groups === config.group;
    if (!member) return { ok: false, status: 403, reason: `personal data needs membership of group ${config.group} (claim ${config.groupsClaim})` };
    return { ok: true, subject: typeof payload.sub === 'string' && payload.sub ? payload.sub : 'unknown-subject' };
  };
}
