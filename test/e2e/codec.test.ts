// Who may decrypt through the codec endpoint, and that each decode is audited: API tokens with
// the pii scope, the identity provider's users in the personal-data group (JWTs checked against a
// JWKS served here, tokens signed by a test key), and the embedded UI's secret URL.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { defaultPayloadConverter } from '@temporalio/common';
import { oidcVerifier, type OidcConfig } from '../../src/api/oidc.ts';
import { codecAccessFromEnv } from '../../src/config.ts';
import { EncryptionCodec } from '../../src/temporal/codec.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { TEST_PAYLOAD_KEYS } from '../support/keys.ts';

const UI_SECRET = 'ui-secret-for-this-test-run';
const ISSUER = 'https://login.example.test/realms/retailco';
const AUDIENCE = 'phonefleet-codec';
const GROUP = 'phonefleet-pii';

let h: Harness;
let jwks: http.Server;
let key: CryptoKey;
let strangerKey: CryptoKey;
let sealed: { metadata: Record<string, string>; data: string };
const secretValue = { employeeId: 'E1', hire: { displayName: 'Ulrike Geheimnis' } };

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  key = pair.privateKey;
  strangerKey = (await generateKeyPair('RS256')).privateKey;
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  jwks = http.createServer((_req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [publicJwk] })));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const oidc: OidcConfig = { issuer: ISSUER, audience: AUDIENCE, group: GROUP, groupsClaim: 'groups', jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks` };
  h = await startHarness({
    tokens: new Map([
      ['tok-pii', { name: 'data protection', scopes: ['pii'] }],
      ['tok-ops', { name: 'fleet operations', scopes: ['operations', 'support'] }],
    ]),
    api: { codecUiSecret: UI_SECRET, codecIdentity: oidcVerifier(oidc) },
  });
  const [payload] = await new EncryptionCodec(TEST_PAYLOAD_KEYS.current).encode([defaultPayloadConverter.toPayload(secretValue)]);
  sealed = {
    metadata: Object.fromEntries(Object.entries(payload.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(payload.data!).toString('base64'),
  };
});
afterAll(async () => {
  await h?.close();
  await new Promise((resolve) => jwks?.close(resolve));
});

function decode(path: string, headers: Record<string, string> = {}, payloads = [sealed]) {
  return fetch(`${h.api}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ payloads }) });
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
async function decoded(res: Response) {
  const [plain] = ((await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
  return JSON.parse(Buffer.from(plain.data, 'base64').toString());
}
function jwt(claims: Record<string, unknown>, opts: { audience?: string; issuer?: string; expires?: string | number; signWith?: CryptoKey } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
    .setIssuer(opts.issuer ?? ISSUER)
    .setAudience(opts.audience ?? AUDIENCE)
    .setSubject('user-7f3a')
    .setIssuedAt()
    .setExpirationTime(opts.expires ?? '5 minutes')
    .sign(opts.signWith ?? key);
}
const decodes = (actor: string) => h.db.auditLog.findMany({ where: { action: 'codec.decode', actor }, orderBy: { id: 'asc' } });

describe('the codec decrypts only for callers allowed to see personal data', () => {
  it('no token: 401, even from the Web UI origin (the old Origin-only access is gone)', async () => {
    expect((await decode('/codec/decode')).status).toBe(401);
    expect((await decode('/codec/decode', { origin: 'http://localhost:8233' })).status).toBe(401);
    expect((await decode('/codec/decode', bearer('not-a-token'))).status).toBe(401);
  });

  it('an API token without pii: 403 naming the scope; with pii: the value', async () => {
    const ops = await decode('/codec/decode', bearer('tok-ops'));
    expect(ops.status).toBe(403);
    expect(((await ops.json()) as { error: string }).error).toBe('POST /codec/decode needs scope pii');
    const pii = await decode('/codec/decode', bearer('tok-pii'));
    expect(pii.status).toBe(200);
    expect(await decoded(pii)).toEqual(secretValue);
  });

  it("the embedded UI's secret URL decrypts without a token; a wrong secret is 404", async () => {
    const ui = await decode(`/codec/${UI_SECRET}/decode`, { origin: 'http://localhost:8233' });
    expect(ui.status).toBe(200);
    expect(ui.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(await decoded(ui)).toEqual(secretValue);
    expect((await decode(`/codec/${UI_SECRET}x/decode`)).status).toBe(404);
    expect((await decode('/codec/guess/decode')).status).toBe(404);
    // The browser's preflight is answered before any credential check.
    const preflight = await fetch(`${h.api}/codec/${UI_SECRET}/decode`, { method: 'OPTIONS', headers: { origin: 'http://localhost:8233' } });
    expect(preflight.status).toBe(204);
  });

  it("the identity provider's JWT: in the group decrypts; not in it 403; wrong audience, issuer, key or expired 401", async () => {
    const member = await decode('/codec/decode', bearer(await jwt({ groups: ['staff', GROUP] })));
    expect(member.status).toBe(200);
    expect(await decoded(member)).toEqual(secretValue);

    const outsider = await decode('/codec/decode', bearer(await jwt({ groups: ['staff'] })));
    expect(outsider.status).toBe(403);
    expect(((await outsider.json()) as { error: string }).error).toContain(`group ${GROUP}`);
    for (const token of [
      await jwt({ groups: [GROUP] }, { audience: 'another-app' }),
      await jwt({ groups: [GROUP] }, { issuer: 'https://evil.example.test' }),
      await jwt({ groups: [GROUP] }, { signWith: strangerKey }),
      await jwt({ groups: [GROUP] }, { expires: Math.floor(Date.now() / 1000) - 120 }),
    ]) {
      expect((await decode('/codec/decode', bearer(token))).status).toBe(401);
    }
  });

  it('every decode is audited: who, when, how many payloads; never what they hold', async () => {
    const before = { api: (await decodes('api:data protection')).length, ui: (await decodes('temporal-ui:embedded')).length, oidc: (await decodes('oidc:user-7f3a')).length };
    expect((await decode('/codec/decode', bearer('tok-pii'), [sealed, sealed, sealed])).status).toBe(200);
    expect((await decode(`/codec/${UI_SECRET}/decode`, { 'x-namespace': 'default' })).status).toBe(200);
    expect((await decode('/codec/decode', bearer(await jwt({ groups: [GROUP] })), [sealed, sealed])).status).toBe(200);
    expect((await decode('/codec/decode', bearer('tok-ops'))).status).toBe(403); // refused: nothing decrypted

    const api = await decodes('api:data protection');
    const ui = await decodes('temporal-ui:embedded');
    const oidc = await decodes('oidc:user-7f3a');
    expect([api.length - before.api, ui.length - before.ui, oidc.length - before.oidc]).toEqual([1, 1, 1]);
    expect(api.at(-1)!.details).toEqual({ payloads: 3 });
    expect(ui.at(-1)!.details).toEqual({ payloads: 1, namespace: 'default' });
    expect(oidc.at(-1)!.details).toEqual({ payloads: 2 });
    expect(Date.now() - api.at(-1)!.at.getTime()).toBeLessThan(10 * 60_000); // when: the row's time
    expect(await h.db.auditLog.count({ where: { action: 'codec.decode', actor: 'api:fleet operations' } })).toBe(0);
    const all = JSON.stringify(await h.db.auditLog.findMany({ where: { action: 'codec.decode' } }));
    expect(all).not.toContain('Ulrike');
  });

  it('bad input is a 400 naming the payload, not a 500', async () => {
    const res = await decode('/codec/decode', bearer('tok-pii'), [{ metadata: { encoding: 42 }, data: '' } as never]);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { problems: { field: string }[] }).problems[0].field).toMatch(/^payloads\[0\]/);
    const tampered = await decode('/codec/decode', bearer('tok-pii'), [{ ...sealed, data: Buffer.from('garbage-garbage-garbage-garbage').toString('base64') }]);
    expect(tampered.status).toBe(400);
  });
});

describe('codec access configuration', () => {
  it('refuses CODEC_ACCESS=ui-origin, and a partial identity provider configuration', () => {
    expect(codecAccessFromEnv({ CODEC_ACCESS: 'ui-origin' }).problems[0]).toContain('CODEC_ACCESS=ui-origin is no longer supported');
    expect(codecAccessFromEnv({ CODEC_ACCESS: 'token' }).problems).toEqual([]);
    expect(codecAccessFromEnv({ CODEC_OIDC_ISSUER: ISSUER }).problems).toEqual([
      'codec login: CODEC_OIDC_ISSUER set but CODEC_OIDC_AUDIENCE, CODEC_OIDC_GROUP, CODEC_OIDC_JWKS_URL missing',
    ]);
    const full = codecAccessFromEnv({ CODEC_OIDC_ISSUER: ISSUER, CODEC_OIDC_AUDIENCE: AUDIENCE, CODEC_OIDC_GROUP: GROUP, CODEC_OIDC_JWKS_URL: 'https://login.example.test/jwks' });
    expect(full).toEqual({ problems: [], oidc: { issuer: ISSUER, audience: AUDIENCE, group: GROUP, groupsClaim: 'groups', jwksUrl: 'https://login.example.test/jwks' } });
  });
});
