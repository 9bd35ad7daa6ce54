// `npx tsx scripts/apk-fixtures.ts`: builds the APKs the release tests verify (test/fixtures/apk/)
// with Debian's tools, as a release engineer's machine would: aapt packages a manifest against
// android-framework-res, zipalign aligns it, apksigner signs it with keys made here by openssl,
// and `apksigner verify --print-certs -v` says what it thinks of each, saved beside the APK so the
// tests can hold phonefleet's verifier to it without apksigner (or a JRE) on the test machine.
//   apt-get install aapt apksigner zipalign android-framework-res openssl
// The keys are thrown away: only the certificates' fingerprints (in the .apksigner.txt files) are
// kept, which is what an app pins. Run it again and every fixture changes (new keys, new digests).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const APK_FIXTURES_DIR = path.join(ROOT, 'test', 'fixtures', 'apk');
const FRAMEWORK = '/usr/share/android-framework-res/framework-res.apk';

interface Build {
  versionCode: number;
  packageName?: string;
  targetSdk?: number;
  minSdk?: number;
  debuggable?: boolean;
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-apk-'));
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

function key(name: string, kind: 'rsa' | 'ec', subject: string): { pk8: string; cert: string } {
  const pem = path.join(work, `${name}.pem`);
  if (kind === 'rsa') run('openssl', ['genrsa', '-out', pem, '2048']);
  else run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', pem]);
  const cert = path.join(work, `${name}.crt`);
  run('openssl', ['req', '-new', '-x509', '-key', pem, '-out', cert, '-days', '9000', '-subj', subject]);
  const pk8 = path.join(work, `${name}.pk8`);
  run('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', pem, '-outform', 'DER', '-out', pk8]);
  return { pk8, cert };
}

/** An unsigned, aligned APK: a manifest and a 64 KiB STORED asset (the bytes a tamper changes). */
function unsigned(name: string, b: Build): string {
  const dir = path.join(work, name);
  fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
  const pkg = b.packageName ?? 'com.retailco.stock';
  fs.writeFileSync(
    path.join(dir, 'AndroidManifest.xml'),
    `<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="${pkg}"
    android:versionCode="${b.versionCode}" android:versionName="${Math.floor(b.versionCode / 10)}.${b.versionCode % 10}.0">
  <uses-sdk android:minSdkVersion="${b.minSdk ?? 28}" android:targetSdkVersion="${b.targetSdk ?? 33}" />
  <application android:label="Stock" android:debuggable="${b.debuggable ? 'true' : 'false'}" />
</manifest>
`,
  );
  // Deterministic filler, different per build.
  fs.writeFileSync(path.join(dir, 'assets', 'catalogue.bin'), Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 31 + b.versionCode * 7) & 0xff)));
  const packaged = path.join(work, `${name}.packaged.apk`);
  run('aapt', ['package', '-f', '-M', path.join(dir, 'AndroidManifest.xml'), '-A', path.join(dir, 'assets'), '-I', FRAMEWORK, '-F', packaged, '-0', 'bin']);
  const aligned = path.join(work, `${name}.unsigned.apk`);
  run('zipalign', ['-f', '4', packaged, aligned]);
  return aligned;
}

function sign(input: string, out: string, signer: { pk8: string; cert: string }, extra: string[] = []): void {
  run('apksigner', ['sign', '--v4-signing-enabled', 'false', '--key', signer.pk8, '--cert', signer.cert, ...extra, '--out', out, input]);
}

/** Changes bytes of the STORED asset after signing and fixes its CRC-32 in both ZIP headers: a valid ZIP, a broken signature. */
function tamper(file: string): void {
  const apk = fs.readFileSync(file);
  const name = Buffer.from('assets/catalogue.bin');
  const LOCAL = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
  const CENTRAL = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
  let at = apk.indexOf(LOCAL);
  while (at >= 0 && !apk.subarray(at + 30, at + 30 + apk.readUInt16LE(at + 26)).equals(name)) at = apk.indexOf(LOCAL, at + 4);
  const dataStart = at + 30 + apk.readUInt16LE(at + 26) + apk.readUInt16LE(at + 28);
  const size = apk.readUInt32LE(at + 18);
  apk[dataStart + 100] ^= 0xff;
  const crc = zlib.crc32(apk.subarray(dataStart, dataStart + size));
  apk.writeUInt32LE(crc, at + 14);
  for (let c = apk.indexOf(CENTRAL); c >= 0; c = apk.indexOf(CENTRAL, c + 4)) {
    if (apk.subarray(c + 46, c + 46 + apk.readUInt16LE(c + 28)).equals(name)) apk.writeUInt32LE(crc, c + 16);
  }
  fs.writeFileSync(file, apk);
}

export function buildFixtures(): void {
  fs.mkdirSync(APK_FIXTURES_DIR, { recursive: true });
  for (const f of fs.readdirSync(APK_FIXTURES_DIR)) fs.rmSync(path.join(APK_FIXTURES_DIR, f));
  const release = key('release', 'rsa', '/CN=RetailCo Release/O=RetailCo');
  const next = key('release-2026', 'ec', '/CN=RetailCo Release 2026/O=RetailCo');
  const stranger = key('stranger', 'rsa', '/CN=Someone Else/O=Elsewhere');
  const out = (name: string) => path.join(APK_FIXTURES_DIR, `${name}.apk`);

  sign(unsigned('stock-43', { versionCode: 43 }), out('stock-43'), release);
  sign(unsigned('stock-44', { versionCode: 44 }), out('stock-44'), release);
  sign(unsigned('stock-44-v2-only', { versionCode: 44, minSdk: 24 }), out('stock-44-v2-only'), release, ['--v1-signing-enabled', 'false', '--v3-signing-enabled', 'false']);
  sign(unsigned('stock-44-other-signer', { versionCode: 44 }), out('stock-44-other-signer'), stranger);
  sign(unsigned('stock-44-debuggable', { versionCode: 44, debuggable: true }), out('stock-44-debuggable'), release);
  sign(unsigned('stock-44-tampered', { versionCode: 44 }), out('stock-44-tampered'), release);
  tamper(out('stock-44-tampered'));
  fs.copyFileSync(unsigned('stock-44-unsigned', { versionCode: 44 }), out('stock-44-unsigned'));
  sign(unsigned('stock-44-v1-only', { versionCode: 44, minSdk: 21, targetSdk: 33 }), out('stock-44-v1-only'), release, [
    '--v1-signing-enabled',
    'true',
    '--v2-signing-enabled',
    'false',
    '--v3-signing-enabled',
    'false',
  ]);
  // Key rotation: the lineage release -> release-2026, the new key signing for API 28+ (v3), the old one still in v2.
  const lineage = path.join(work, 'lineage.bin');
  run('apksigner', ['rotate', '--out', lineage, '--old-signer', '--key', release.pk8, '--cert', release.cert, '--new-signer', '--key', next.pk8, '--cert', next.cert]);
  sign(unsigned('stock-45-rotated', { versionCode: 45 }), out('stock-45-rotated'), release, ['--next-signer', '--key', next.pk8, '--cert', next.cert, '--lineage', lineage]);
  sign(unsigned('price-7', { versionCode: 7, packageName: 'com.retailco.price' }), out('price-7'), release);

  for (const f of fs.readdirSync(APK_FIXTURES_DIR).filter((n) => n.endsWith('.apk'))) {
    let report: string;
    try {
      report = execFileSync('apksigner', ['verify', '--print-certs', '-v', path.join(APK_FIXTURES_DIR, f)], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    } catch (err) {
      const e = err as { stdout?: Buffer; stderr?: Buffer };
      report = `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`;
    }
    fs.writeFileSync(path.join(APK_FIXTURES_DIR, f.replace(/\.apk$/, '.apksigner.txt')), report);
  }
  fs.rmSync(work, { recursive: true, force: true });
}

/** The release certificate's SHA-256, as apksigner printed it for stock-43. */
const releaseCertificate = () => /Signer #1 certificate SHA-256 digest: ([0-9a-f]{64})/.exec(fs.readFileSync(path.join(APK_FIXTURES_DIR, 'stock-43.apksigner.txt'), 'utf8'))?.[1];

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildFixtures();
  console.log(`APK fixtures in ${path.relative(process.cwd(), APK_FIXTURES_DIR)}: ${fs.readdirSync(APK_FIXTURES_DIR).join(', ')}`);
  console.log(`the release certificate is ${releaseCertificate()}: put it in RETAILCO_RELEASE_KEY (src/domain/roles.ts)`);
}
