// What phonefleet checks in an APK before anything else happens (issue 9 §2). Two steps:
// inspectApk reads the file alone (ZIP, manifest, APK Signature Scheme v2/v3), checkForApp then
// holds it against the registered app (its pinned signer, the last versionCode released). The
// publish path puts the duplicate lookup between the two: a retried Jenkins stage finds its
// release before the versionCode check could refuse it.
import { parseManifest, type ApkManifest } from './manifest.ts';
import { ApkRejected } from './rejections.ts';
import { findSigningBlock, sha256Hex, V2_BLOCK_ID, V3_BLOCK_ID, verifySchemeBlock, type VerifiedSigner } from './signing-block.ts';
import { readEntry, readZipLayout } from './zip.ts';

/** The largest APK phonefleet takes by default (the corporate apps are tens of MB; Play's own limit is 200 MB for the base APK). */
export const DEFAULT_MAX_APK_BYTES = 200 * 1024 * 1024;

/** Android 11 (API 30) refuses an APK targeting it that is signed with the JAR scheme only. */
const V1_ONLY_REFUSED_FROM_TARGET_SDK = 30;

export interface ApkFacts extends ApkManifest {
  sha256: string;
  sizeBytes: number;
  /** The scheme Android verifies on the fleet's phones (v3 where present, API 28+). */
  scheme: 'v2' | 'v3';
  schemes: { v2: boolean; v3: boolean };
  /** The signers of the scheme in `scheme` (v3 may have one per SDK range). */
  signers: VerifiedSigner[];
  /** The v2 signers when both blocks are there (what Android 7-8 verify). */
  v2Signers: VerifiedSigner[];
}

export interface InspectOptions {
  maxBytes?: number;
  /** The SHA-256 Jenkins declared for the file (hex); refused when it is not the file's. */
  declaredSha256?: string;
}

/** Reads and verifies the APK on its own; throws ApkRejected naming the first reason to refuse it. */
export function inspectApk(apk: Buffer, opts: InspectOptions = {}): ApkFacts {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_APK_BYTES;
  if (apk.length > maxBytes) throw new ApkRejected('too-large', `${apk.length} bytes, over the limit of ${maxBytes}`);
  const sha256 = sha256Hex(apk);
  if (opts.declaredSha256 !== undefined && opts.declaredSha256.toLowerCase() !== sha256) {
    throw new ApkRejected('sha256-mismatch', `the file's SHA-256 is ${sha256}, Jenkins declared ${opts.declaredSha256}`);
  }
  const zip = readZipLayout(apk);
  const manifestEntry = zip.entries.find((e) => e.name === 'AndroidManifest.xml');
  if (!manifestEntry) throw new ApkRejected('not-an-apk', 'the archive has no AndroidManifest.xml');
  const manifest = parseManifest(readEntry(apk, manifestEntry));

  const block = findSigningBlock(apk, zip);
  const schemes = { v2: block?.pairs.has(V2_BLOCK_ID) ?? false, v3: block?.pairs.has(V3_BLOCK_ID) ?? false };
  if (!schemes.v2 && !schemes.v3) {
    const v1 = zip.entries.some((e) => /^META-INF\/[^/]+\.(RSA|DSA|EC)$/i.test(e.name));
    if (!v1) throw new ApkRejected('unsigned', 'the APK has no APK Signing Block with a v2 or v3 signature, nor a JAR signature');
    throw new ApkRejected(
      'v1-only',
      manifest.targetSdk >= V1_ONLY_REFUSED_FROM_TARGET_SDK
        ? `targetSdkVersion ${manifest.targetSdk} signed with v1 only: Android 11 and later refuse to install it; sign with v2 or v3`
        : 'phonefleet verifies APK Signature Scheme v2 and v3 only; sign with v2 or v3 (every phone of the fleet verifies them)',
    );
  }
  // Both blocks are verified when both are there: the fleet's older phones read v2, the newer v3.
  const v2Signers = schemes.v2 ? verifySchemeBlock(apk, zip, block!, V2_BLOCK_ID) : [];
  const v3Signers = schemes.v3 ? verifySchemeBlock(apk, zip, block!, V3_BLOCK_ID) : [];
  return {
    ...manifest,
    sha256,
    sizeBytes: apk.length,
    scheme: schemes.v3 ? 'v3' : 'v2',
    schemes,
    signers: schemes.v3 ? v3Signers : v2Signers,
    v2Signers: schemes.v3 ? v2Signers : [],
  };
}

/** The registered app an APK is held against. */
export interface AppPins {
  packageName: string;
  /** SHA-256 of the signing certificate the app's builds must carry (hex). */
  signingCertSha256: string;
  /** The highest versionCode released so far; none yet when undefined. */
  lastVersionCode?: number;
}

/** How the APK's signer relates to the pinned one. */
export interface SignerCheck {
  /** The pinned certificate signs it, or (`rotated`) the signer descends from it through a v3 lineage. */
  signedBy: 'pinned' | 'rotated';
  /** With a rotation: the lineage, oldest first (it contains the pinned certificate). */
  lineage?: string[];
  currentCertSha256: string;
}

/** Holds inspected facts against the app: unknown package, signer, debuggable, versionCode. */
export function checkForApp(facts: ApkFacts, app: AppPins | undefined): SignerCheck {
  if (!app) throw new ApkRejected('unknown-package', `${facts.packageName} is not a registered app (phonefleet app register ...)`);
  const pinned = app.signingCertSha256.toLowerCase();
  const lineages = facts.signers.map((s) => s.lineage).filter((l): l is string[] => l !== undefined);
  const trusted = (signer: VerifiedSigner) =>
    signer.certSha256 === pinned || (signer.lineage?.includes(pinned) ?? false) || lineages.some((l) => l.includes(signer.certSha256) && l.includes(pinned));
  for (const signer of [...facts.signers, ...facts.v2Signers]) {
    if (!trusted(signer)) throw new ApkRejected('wrong-signer', `signed by ${signer.certSha256} (${signer.subject}); ${app.packageName} is pinned to ${pinned}`);
  }
  if (facts.debuggable) throw new ApkRejected('debuggable', 'android:debuggable="true" in the manifest: a debug build never goes to the fleet');
  if (app.lastVersionCode !== undefined && facts.versionCode <= app.lastVersionCode) {
    throw new ApkRejected('version-not-newer', `versionCode ${facts.versionCode} is not above ${app.lastVersionCode}, the last released`);
  }
  const current = facts.signers.at(-1)!;
  const rotated = current.certSha256 !== pinned;
  return rotated
    ? { signedBy: 'rotated', lineage: current.lineage ?? lineages[0]!, currentCertSha256: current.certSha256 }
    : { signedBy: 'pinned', currentCertSha256: current.certSha256 };
}
