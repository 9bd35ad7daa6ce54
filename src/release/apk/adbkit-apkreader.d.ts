// The one module of @devicefarmer/adbkit-apkreader phonefleet uses (the package ships no types).
declare module '@devicefarmer/adbkit-apkreader/lib/apkreader/parser/manifest.js' {
  export default class ManifestParser {
    constructor(buffer: Buffer, options?: { debug?: boolean });
    parse(): {
      package?: unknown;
      versionCode?: unknown;
      versionName?: unknown;
      usesSdk?: { minSdkVersion?: unknown; targetSdkVersion?: unknown };
      application?: { debuggable?: unknown };
    };
  }
}
