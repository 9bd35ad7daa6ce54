// Why an APK is refused. Each reason is one a release engineer can act on, and the API answers
// it as a 4xx naming it (src/api/routes/releases.ts); nothing is stored or started for a refused APK.

export const APK_REJECTIONS = {
  'not-an-apk': 'not an APK',
  'too-large': 'over the size limit',
  'sha256-mismatch': 'not the SHA-256 Jenkins declared',
  unsigned: 'not signed with APK Signature Scheme v2 or v3',
  'v1-only': 'signed with the JAR scheme (v1) only',
  'signature-invalid': 'its signature does not verify',
  'content-changed': 'its content changed after it was signed',
  'wrong-signer': 'signed by a certificate other than the app’s pinned one',
  debuggable: 'a debuggable build',
  'unknown-package': 'a package that is not registered',
  'version-not-newer': 'a versionCode not above the last released one',
} as const;

export type ApkRejection = keyof typeof APK_REJECTIONS;

/** A permanent refusal of an APK: `reason` says which, `detail` what exactly. */
export class ApkRejected extends Error {
  constructor(
    readonly reason: ApkRejection,
    readonly detail: string,
  ) {
    super(`APK refused (${APK_REJECTIONS[reason]}): ${detail}`);
    this.name = 'ApkRejected';
  }
}
