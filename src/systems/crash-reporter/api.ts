// The apps' crash reporter (Sentry-style release health). MDMs report installs, not crashes:
// whether a new version crashes more than the last one comes from here.

/** One release's sessions in one store (Sentry's `environment`: the store the phone is in). */
export interface ReleaseSessions {
  /** `<package>@<versionName>+<versionCode>`, as the apps report their release. */
  release: string;
  storeId: string;
  sessions: number;
  /** 0..1; null without sessions. */
  crashFreeRate: number | null;
  /** 0..1 of sessions with an ANR; null without sessions. */
  anrRate: number | null;
}

export interface CrashReporterApi {
  /** Sessions since `since` (ISO 8601) of each of `releases`, per store. */
  releaseHealth(input: { releases: string[]; since: string }): Promise<ReleaseSessions[]>;
}

/** The release name the apps' SDK reports (Sentry's Android SDK: package@versionName+versionCode). */
export const releaseName = (packageName: string, versionName: string | null, versionCode: number): string => `${packageName}@${versionName ?? versionCode}+${versionCode}`;
