// Jenkins publishing builds through the HTTP API (issue 9 §1-2), with real APKs (test/fixtures/apk):
// an accepted build is recorded and its APK kept under its SHA-256; a retried stage gets the same
// release back; the same versionCode with other bytes is a 409; every refusal is a 4xx naming
// its reason and leaves no row, no file and no audit entry behind.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleGit } from 'simple-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'apk');
const apk = (name: string) => fs.readFileSync(path.join(FIXTURES, `${name}.apk`));
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const MAX_APK_BYTES = 90_000; // the fixtures are ~74 KB
const COMMIT = '3f2c9a1b';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ api: { maxApkBytes: MAX_APK_BYTES } });
});
afterAll(async () => h?.close());

interface ReleaseView {
  id: string;
  sha256: string;
  signerCertSha256: string;
  signerLineage: string[];
}
const releaseOf = async (res: Response) => ((await res.json()) as { release: ReleaseView }).release;

function publish(body: Buffer, query: Record<string, string> = { commit: COMMIT }, contentType = 'application/vnd.android.package-archive') {
  return fetch(`${h.api}/releases?${new URLSearchParams(query)}`, { method: 'POST', headers: { authorization: `Bearer ${h.token}`, 'content-type': contentType }, body });
}

/** Every file the artifact store holds. */
const storedFiles = () =>
  fs.existsSync(h.artifactDir)
    ? fs
        .readdirSync(h.artifactDir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => e.name)
    : [];
const state = async () => ({ releases: await h.db.release.count(), files: storedFiles().length, audit: await h.db.auditLog.count({ where: { action: 'release.published' } }) });

describe('publishing a build', () => {
  it('an accepted build is recorded with what the APK says, its APK kept under its SHA-256, and audited', async () => {
    const bytes = apk('stock-43');
    const res = await publish(bytes, { commit: COMMIT, notes: 'Faster barcode lookup', sha256: sha(bytes) });
    expect(res.status).toBe(201);
    const release = await releaseOf(res);
    expect(release).toMatchObject({
      id: 'release-com.retailco.stock-43',
      packageName: 'com.retailco.stock',
      versionCode: 43,
      versionName: '4.3.0',
      sha256: sha(bytes),
      sizeBytes: bytes.length,
      commit: COMMIT,
      notes: 'Faster barcode lookup',
      scheme: 'v3',
      signerLineage: [],
      publishedBy: 'api:test-operator',
    });
    expect(storedFiles()).toContain(`${sha(bytes)}.apk`);
    expect(fs.readFileSync(path.join(h.artifactDir, sha(bytes).slice(0, 2), `${sha(bytes)}.apk`)).equals(bytes)).toBe(true);
    expect(await h.db.auditLog.count({ where: { action: 'release.published' } })).toBe(1);
  });

  it('a retried Jenkins stage gets the same release back (200), with nothing new recorded', async () => {
    const before = await state();
    const res = await publish(apk('stock-43'));
    expect(res.status).toBe(200);
    expect((await releaseOf(res)).id).toBe('release-com.retailco.stock-43');
    expect(await state()).toEqual(before);
  });

  it('the next versionCode is accepted; the earlier build published again still finds its release (the lookup comes before the versionCode check)', async () => {
    expect((await publish(apk('stock-44'))).status).toBe(201);
    expect((await publish(apk('stock-43'))).status).toBe(200);
  });

  it('the same versionCode with another SHA-256 is a 409 naming the release it conflicts with', async () => {
    const before = await state();
    const res = await publish(apk('stock-44-other-signer'));
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: string; release: ReleaseView };
    expect(body.error).toMatch(/versionCode 44 was already released with SHA-256/);
    expect(body.release.sha256).toBe(sha(apk('stock-44')));
    expect(await state()).toEqual(before);
  });

  it('a build signed after a v3 key rotation from the pinned certificate is accepted, its lineage recorded', async () => {
    const res = await publish(apk('stock-45-rotated'));
    expect(res.status).toBe(201);
    const release = await releaseOf(res);
    expect(release.signerLineage).toHaveLength(2);
    expect(release.signerLineage[1]).toBe(release.signerCertSha256);
    const audit = await h.db.auditLog.findFirstOrThrow({ where: { action: 'release.published', details: { path: ['releaseId'], equals: release.id } } });
    expect(audit.details).toMatchObject({ signedBy: 'rotated' });
  });
});

describe('every refusal names its reason and keeps nothing', () => {
  const refusals: [string, () => Promise<Response>, number, string | undefined][] = [
    ['content changed after signing', () => publish(apk('stock-44-tampered')), 422, 'content-changed'],
    ['unsigned', () => publish(apk('stock-44-unsigned')), 422, 'unsigned'],
    ['targetSdk 33 signed with v1 only', () => publish(apk('stock-44-v1-only')), 422, 'v1-only'],
    ['not an APK', () => publish(crypto.randomBytes(5000)), 422, 'not-an-apk'],
    ['a SHA-256 other than the one declared', () => publish(apk('stock-45-rotated'), { commit: COMMIT, sha256: 'a'.repeat(64) }), 422, 'sha256-mismatch'],
    ['over the size limit', () => publish(crypto.randomBytes(MAX_APK_BYTES + 1)), 413, undefined],
    ['not an APK media type', () => publish(apk('stock-43'), { commit: COMMIT }, 'application/json'), 415, undefined],
    ['no commit', () => publish(apk('stock-43'), {}), 400, undefined],
  ];

  it.each(refusals)('%s', async (_name, send, status, reason) => {
    const before = await state();
    const res = await send();
    expect(res.status).toBe(status);
    const body = (await res.json()) as { error: unknown; reason?: string };
    expect(typeof body.error).toBe('string');
    if (reason) expect(body.reason).toBe(reason);
    expect(await state()).toEqual(before);
  });

  it('debuggable: refused as such when its versionCode is new', async () => {
    // stock-44-debuggable has versionCode 44, released already: the duplicate lookup answers 409 first.
    expect((await publish(apk('stock-44-debuggable'))).status).toBe(409);
    await h.db.release.deleteMany({ where: { packageName: 'com.retailco.stock', versionCode: { gte: 44 } } });
    const res = await publish(apk('stock-44-debuggable'));
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ reason: 'debuggable', problems: [{ field: 'body', message: expect.stringMatching(/debuggable/) }] });
  });

  it('a versionCode not above the last released one', async () => {
    expect((await publish(apk('stock-45-rotated'))).status).toBe(201);
    const res = await publish(apk('stock-44'));
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ reason: 'version-not-newer' });
  });

  it('another signer than the pinned one', async () => {
    await h.db.release.deleteMany({ where: { packageName: 'com.retailco.stock', versionCode: { gte: 44 } } });
    const res = await publish(apk('stock-44-other-signer'));
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ reason: 'wrong-signer' });
  });

  it("the app's repository unreachable for the notes: a 503 to retry, nothing kept", async () => {
    await h.db.app.update({ where: { packageName: 'com.retailco.stock' }, data: { gitRepository: path.join(os.tmpdir(), 'no-such-repository.git') } });
    try {
      const before = await state();
      const res = await publish(apk('stock-44-v2-only'));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('60');
      expect(((await res.json()) as { error: string }).error).toMatch(/cannot read .*no-such-repository\.git/);
      expect(await state()).toEqual(before);
      // With the notes given, the repository is not read.
      expect((await publish(apk('stock-44-v2-only'), { commit: COMMIT, notes: 'given' })).status).toBe(201);
    } finally {
      await h.db.app.update({ where: { packageName: 'com.retailco.stock' }, data: { gitRepository: null } });
      await h.db.release.deleteMany({ where: { id: 'release-com.retailco.stock-44' } });
    }
  });
});

/** A bare "origin" with `subjects` committed in order, as the git host holds an app's repository. */
async function appRepository(subjects: string[]): Promise<{ origin: string; head: string }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-app-repo-'));
  const origin = path.join(root, 'origin.git');
  await simpleGit().init(true, [origin]);
  const dev = simpleGit(root);
  await dev.init();
  await dev.addConfig('user.name', 'Dev').addConfig('user.email', 'dev@retailco.example');
  for (const subject of subjects) {
    fs.appendFileSync(path.join(root, 'CHANGES'), `${subject}\n`);
    await dev.add('CHANGES');
    await dev.commit(subject);
  }
  await dev.push(origin, 'HEAD:refs/heads/main');
  return { origin, head: (await dev.revparse(['HEAD'])).trim() };
}

describe('apps', () => {
  it('an unknown package is refused until the app is registered; registering twice is a no-op, otherwise a 409', async () => {
    await h.db.app.delete({ where: { packageName: 'com.retailco.price' } });
    const refused = await publish(apk('price-7'));
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ reason: 'unknown-package' });

    const pin = /Signer #1 certificate SHA-256 digest: ([0-9a-f]{64})/.exec(fs.readFileSync(path.join(FIXTURES, 'price-7.apksigner.txt'), 'utf8'))![1]!;
    const repo = await appRepository(['Price check screen', 'Prices in large print']);
    const app = {
      packageName: 'com.retailco.price',
      name: 'Price Check',
      signingCertSha256: pin,
      critical: false,
      gitRepository: repo.origin,
      roles: ['CASHIER'],
      // This app's own health gate: fewer installs and a tighter crash-free drop than the policy's.
      gate: { minInstalls: 50, maxCrashFreeDropPoints: 0.5 },
    };
    const registered = await h.call('POST', '/apps', app);
    expect(registered.status).toBe(201);
    expect(((await registered.json()) as { app: unknown }).app).toMatchObject({ ...app, autoInstall: true });
    expect((await h.call('POST', '/apps', app)).status).toBe(200);
    expect((await h.call('POST', '/apps', { ...app, gate: { minInstalls: 60, maxCrashFreeDropPoints: 0.5 } })).status).toBe(409);
    const badGate = await h.call('POST', '/apps', { ...app, packageName: 'com.retailco.other', gate: { minInstalls: -1, maxInstallFailureRatio: 0.5 } });
    expect(badGate.status).toBe(400);
    expect(JSON.stringify(await badGate.json())).toMatch(/gate\.minInstalls.*gate\.maxInstallFailureRatio|gate\.maxInstallFailureRatio.*gate\.minInstalls/s);
    const other = await h.call('POST', '/apps', { ...app, signingCertSha256: 'b'.repeat(64) });
    expect(other.status).toBe(409);
    expect(((await other.json()) as { app: { signingCertSha256: string } }).app.signingCertSha256).toBe(pin);
    expect((await h.call('POST', '/apps', { ...app, packageName: 'com.retailco.other', roles: ['NO_SUCH_ROLE'] })).status).toBe(422);
    expect(await h.db.app.findUnique({ where: { packageName: 'com.retailco.other' } })).toBeNull();

    // The build's commit must be in the app's repository: its notes come from there.
    const unknown = await publish(apk('price-7'), { commit: 'deadbeef' });
    expect(unknown.status).toBe(422);
    expect(await unknown.json()).toMatchObject({ reason: 'unknown-commit' });
    expect(await h.db.release.count({ where: { packageName: 'com.retailco.price' } })).toBe(0);
    const published = await publish(apk('price-7'), { commit: repo.head });
    expect(published.status).toBe(201);
    // No --notes: the repository's log up to the commit (no earlier release is tagged).
    expect(((await published.json()) as { release: { notes: string } }).release.notes).toBe('- Prices in large print\n- Price check screen');
    const list = (await (await h.call('GET', '/apps')).json()) as { apps: { packageName: string }[] };
    expect(list.apps.find((a: { packageName: string }) => a.packageName === 'com.retailco.price')).toMatchObject({ roles: ['CASHIER'], lastVersionCode: 7 });
  });

  it('a bad registration names each bad field', async () => {
    const res = await h.call('POST', '/apps', { packageName: 'nodots', name: '', signingCertSha256: 'xyz', gitRepository: '--upload-pack=touch /tmp/x' });
    expect(res.status).toBe(400);
    const fields = ((await res.json()) as { problems: { field: string }[] }).problems.map((p: { field: string }) => p.field).sort();
    expect(fields).toEqual(['gitRepository', 'name', 'packageName', 'signingCertSha256']);
  });
});
