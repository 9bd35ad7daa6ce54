// phonefleet's APK verifier against real APKs: built with aapt and signed with apksigner by
// scripts/apk-fixtures.ts, each with what `apksigner verify --print-certs -v` said about it
// saved beside it. The verifier must agree with apksigner on every one (verifies or not; the
// signer's certificate), and refuse each bad build for the reason a release engineer can act on.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApkRejected, type ApkRejection } from '../../src/release/apk/rejections.ts';
import { findSigningBlock, V3_BLOCK_ID } from '../../src/release/apk/signing-block.ts';
import { checkForApp, inspectApk, type AppPins } from '../../src/release/apk/verify.ts';
import { readZipLayout } from '../../src/release/apk/zip.ts';

const DIR = path.join(import.meta.dirname, '..', 'fixtures', 'apk');
const apk = (name: string) => fs.readFileSync(path.join(DIR, `${name}.apk`));

/** What apksigner said: whether it verifies, and the signer certificate's SHA-256 it printed. */
function apksigner(name: string): { verifies: boolean; certSha256?: string; error?: string } {
  const report = fs.readFileSync(path.join(DIR, `${name}.apksigner.txt`), 'utf8');
  return {
    verifies: report.startsWith('Verifies'),
    certSha256: /Signer #1 certificate SHA-256 digest: ([0-9a-f]{64})/.exec(report)?.[1],
    error: /^ERROR: (.*)$/m.exec(report)?.[1],
  };
}

function refusal(f: () => unknown): ApkRejection {
  try {
    f();
  } catch (err) {
    if (err instanceof ApkRejected) return err.reason;
    throw err;
  }
  throw new Error('accepted');
}

const FIXTURES = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.apk'))
  .map((f) => f.replace(/\.apk$/, ''));
const RELEASE_CERT = apksigner('stock-43').certSha256!;
const stockApp = (lastVersionCode?: number): AppPins => ({ packageName: 'com.retailco.stock', signingCertSha256: RELEASE_CERT, ...(lastVersionCode ? { lastVersionCode } : {}) });

describe('APK verification agrees with apksigner on real APKs', () => {
  it('the fixtures are there (scripts/apk-fixtures.ts)', () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(10);
  });

  it.each(FIXTURES)('%s: verifies exactly when apksigner says so, with the certificate apksigner printed', (name) => {
    const expected = apksigner(name);
    if (expected.verifies) {
      const facts = inspectApk(apk(name));
      expect(facts.signers.at(-1)!.certSha256).toBe(expected.certSha256);
    } else {
      expect(['unsigned', 'v1-only', 'signature-invalid', 'content-changed']).toContain(refusal(() => inspectApk(apk(name))));
    }
  });
});

describe('what the manifest and the signing block say', () => {
  it('reads package, versionCode, versionName, SDK levels and debuggable from the binary manifest', () => {
    const facts = inspectApk(apk('stock-44'));
    expect(facts).toMatchObject({ packageName: 'com.retailco.stock', versionCode: 44, versionName: '4.4.0', minSdk: 28, targetSdk: 33, debuggable: false });
    expect(facts.sha256).toBe(crypto.createHash('sha256').update(apk('stock-44')).digest('hex'));
    expect(inspectApk(apk('stock-44-debuggable')).debuggable).toBe(true);
    expect(inspectApk(apk('price-7')).packageName).toBe('com.retailco.price');
  });

  it('verifies both v2 and v3 blocks when both are there, and v2 alone', () => {
    const both = inspectApk(apk('stock-44'));
    expect(both.schemes).toEqual({ v2: true, v3: true });
    expect(both.v2Signers.map((s) => s.certSha256)).toEqual([RELEASE_CERT]);
    const v2 = inspectApk(apk('stock-44-v2-only'));
    expect(v2).toMatchObject({ scheme: 'v2', schemes: { v2: true, v3: false } });
    expect(v2.signers.map((s) => s.certSha256)).toEqual([RELEASE_CERT]);
  });

  it('reports a v3 key rotation: the lineage runs from the pinned certificate to the new one', () => {
    const facts = inspectApk(apk('stock-45-rotated'));
    const signer = facts.signers.at(-1)!;
    expect(signer.certSha256).toBe(apksigner('stock-45-rotated').certSha256);
    expect(signer.lineage).toEqual([RELEASE_CERT, signer.certSha256]);
    expect(checkForApp(facts, stockApp(44))).toEqual({ signedBy: 'rotated', lineage: [RELEASE_CERT, signer.certSha256], currentCertSha256: signer.certSha256 });
    // Pinned to the new certificate, the old one (still signing the v2 block) is vouched for by the lineage.
    expect(checkForApp(facts, { ...stockApp(44), signingCertSha256: signer.certSha256 }).signedBy).toBe('pinned');
  });

  it('a lineage that does not contain the pinned certificate is another signer', () => {
    const facts = inspectApk(apk('stock-45-rotated'));
    expect(refusal(() => checkForApp(facts, { ...stockApp(44), signingCertSha256: apksigner('stock-44-other-signer').certSha256! }))).toBe('wrong-signer');
  });
});

describe('every refusal names its reason', () => {
  it('content changed after signing, although every ZIP CRC is valid', () => {
    expect(refusal(() => inspectApk(apk('stock-44-tampered')))).toBe('content-changed');
  });
  it('unsigned', () => expect(refusal(() => inspectApk(apk('stock-44-unsigned')))).toBe('unsigned'));
  it('targetSdk 33 signed with v1 only, as Android 11+ refuses it', () => {
    const err = (() => {
      try {
        inspectApk(apk('stock-44-v1-only'));
      } catch (e) {
        return e as ApkRejected;
      }
    })();
    expect(err?.reason).toBe('v1-only');
    expect(err?.detail).toMatch(/targetSdkVersion 33/);
  });
  it('another signer than the pinned one', () => expect(refusal(() => checkForApp(inspectApk(apk('stock-44-other-signer')), stockApp(43)))).toBe('wrong-signer'));
  it('debuggable', () => expect(refusal(() => checkForApp(inspectApk(apk('stock-44-debuggable')), stockApp(43)))).toBe('debuggable'));
  it('a versionCode not above the last released', () => {
    expect(refusal(() => checkForApp(inspectApk(apk('stock-44')), stockApp(44)))).toBe('version-not-newer');
    expect(checkForApp(inspectApk(apk('stock-44')), stockApp(43)).signedBy).toBe('pinned');
  });
  it('an unknown package', () => expect(refusal(() => checkForApp(inspectApk(apk('price-7')), undefined))).toBe('unknown-package'));
  it('not an APK: random bytes, a ZIP without a manifest, a truncated APK', () => {
    expect(refusal(() => inspectApk(crypto.randomBytes(4096)))).toBe('not-an-apk');
    const good = apk('stock-44');
    expect(refusal(() => inspectApk(good.subarray(0, good.length - 100)))).toBe('not-an-apk');
    // The manifest entry's name changed in both headers: a valid ZIP that is no APK.
    const renamed = Buffer.from(good.toString('latin1').replaceAll('AndroidManifest.xml', 'AndroidManifest.xmz'), 'latin1');
    expect(refusal(() => inspectApk(renamed))).toBe('not-an-apk');
  });
  it('a SHA-256 other than the one Jenkins declared', () => {
    expect(refusal(() => inspectApk(apk('stock-44'), { declaredSha256: '0'.repeat(64) }))).toBe('sha256-mismatch');
    expect(inspectApk(apk('stock-44'), { declaredSha256: crypto.createHash('sha256').update(apk('stock-44')).digest('hex').toUpperCase() }).versionCode).toBe(44);
  });
  it('over the size limit', () => expect(refusal(() => inspectApk(apk('stock-44'), { maxBytes: 1000 }))).toBe('too-large'));
  it('a byte of the v3 signer’s signature flipped', () => {
    const bad = Buffer.from(apk('stock-44'));
    const block = findSigningBlock(bad, readZipLayout(bad))!;
    const v3 = block.pairs.get(V3_BLOCK_ID)!;
    // signers (u32 length) > signer (u32 length) > signed data (u32 length + bytes), min and max SDK,
    // signatures (u32 length) > signature (u32 length) > algorithm (u32), signature bytes (u32 length + bytes).
    let at = v3.byteOffset - bad.byteOffset + 8;
    at += 4 + bad.readUInt32LE(at) + 8;
    at += 4 + 4 + 4 + 4;
    bad[at] ^= 0x01;
    expect(refusal(() => inspectApk(bad))).toBe('signature-invalid');
  });
});
