// The facts a release needs from an APK's binary AndroidManifest.xml, read with
// @devicefarmer/adbkit-apkreader's parser (only the parser: the ZIP is read in ./zip.ts, which
// the signature check needs anyway).
import ManifestParser from '@devicefarmer/adbkit-apkreader/lib/apkreader/parser/manifest.js';
import { ApkRejected } from './rejections.ts';

/** An Android package name: two or more dot-separated Java identifiers (what `package=` may hold). */
export const PACKAGE_NAME = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$/;

export interface ApkManifest {
  packageName: string;
  versionCode: number;
  versionName: string | null;
  minSdk: number;
  targetSdk: number;
  debuggable: boolean;
}

/** Parses the compiled manifest; a manifest that does not parse, or lacks package or versionCode, is not an APK. */
export function parseManifest(binaryXml: Buffer): ApkManifest {
  let parsed: ReturnType<ManifestParser['parse']>;
  try {
    parsed = new ManifestParser(binaryXml).parse();
  } catch {
    throw new ApkRejected('not-an-apk', 'AndroidManifest.xml is not a compiled (binary) Android manifest');
  }
  const packageName = typeof parsed.package === 'string' ? parsed.package : '';
  if (!PACKAGE_NAME.test(packageName)) throw new ApkRejected('not-an-apk', `the manifest's package ${JSON.stringify(packageName)} is not a package name`);
  const versionCode = Number(parsed.versionCode);
  if (!Number.isSafeInteger(versionCode) || versionCode <= 0) throw new ApkRejected('not-an-apk', 'the manifest has no positive versionCode');
  // Android's defaults: minSdkVersion 1, targetSdkVersion = minSdkVersion.
  const minSdk = Number(parsed.usesSdk?.minSdkVersion ?? 1);
  const targetSdk = Number(parsed.usesSdk?.targetSdkVersion ?? minSdk);
  return {
    packageName,
    versionCode,
    versionName: parsed.versionName === undefined || parsed.versionName === null ? null : String(parsed.versionName),
    minSdk,
    targetSdk,
    debuggable: parsed.application?.debuggable === true,
  };
}
