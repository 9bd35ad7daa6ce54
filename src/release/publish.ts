// A build from Jenkins becomes a release (issue 9 §1-2): the APK verified on its own, then the
// duplicate lookup (a retried Jenkins stage gets the release it already made, before any
// versionCode check could refuse it; the same versionCode with other bytes is a conflict), then
// the checks against the registered app, then the APK kept in the artifact store and the
// release recorded. A refusal stores nothing.
import type { PrismaClient, Release } from '../db/generated/client.ts';
import type { ArtifactStore } from './artifact-store.ts';
import type { ReleaseGit } from './git.ts';
import { checkForApp, inspectApk } from './apk/verify.ts';

/** The release process's workflow id, and the Release row's id. */
export const releaseId = (packageName: string, versionCode: number): string => `release-${packageName}-${versionCode}`;

export interface PublishInput {
  apk: Buffer;
  /** The git commit the build was made from. */
  commit: string;
  notes?: string;
  /** The build carries a feature people must know about: its notes go to every phone, even for an auto-installed app. */
  announce?: boolean;
  /** The SHA-256 Jenkins computed for the file it uploads. */
  declaredSha256?: string;
  publishedBy: string;
  maxBytes?: number;
  /** Where the notes come from when none are given: the app's repository (when it has one). */
  git?: ReleaseGit;
}

/** The same package and versionCode released before with other bytes. */
export class ReleaseConflict extends Error {
  constructor(readonly existing: Release) {
    super(`${existing.packageName} versionCode ${existing.versionCode} was already released with SHA-256 ${existing.sha256} (commit ${existing.commit})`);
    this.name = 'ReleaseConflict';
  }
}

export async function publishRelease(db: PrismaClient, artifacts: ArtifactStore, input: PublishInput): Promise<{ created: boolean; release: Release }> {
  const facts = inspectApk(input.apk, {
    ...(input.maxBytes !== undefined ? { maxBytes: input.maxBytes } : {}),
    ...(input.declaredSha256 !== undefined ? { declaredSha256: input.declaredSha256 } : {}),
  });
  const id = releaseId(facts.packageName, facts.versionCode);
  const existing = await db.release.findUnique({ where: { id } });
  if (existing) {
    if (existing.sha256 === facts.sha256) return { created: false, release: existing };
    throw new ReleaseConflict(existing);
  }
  const app = await db.app.findUnique({ where: { packageName: facts.packageName } });
  const last = await db.release.aggregate({ where: { packageName: facts.packageName }, _max: { versionCode: true } });
  const signer = checkForApp(
    facts,
    app
      ? { packageName: app.packageName, signingCertSha256: app.signingCertSha256, ...(last._max.versionCode !== null ? { lastVersionCode: last._max.versionCode } : {}) }
      : undefined,
  );
  // No notes from Jenkins: the commits since the previous release (an unknown commit is refused, UnknownCommit).
  const notes =
    input.notes ??
    (app?.gitRepository && input.git
      ? await input.git.notes(app.gitRepository, {
          packageName: facts.packageName,
          commit: input.commit,
          ...(last._max.versionCode !== null ? { previousVersionCode: last._max.versionCode } : {}),
        })
      : undefined);
  // The bytes first: a release row always has its APK (an orphaned file is harmless and content-addressed).
  await artifacts.put(facts.sha256, input.apk);
  try {
    const release = await db.$transaction(async (tx) => {
      const created = await tx.release.create({
        data: {
          id,
          packageName: facts.packageName,
          versionCode: facts.versionCode,
          versionName: facts.versionName,
          sha256: facts.sha256,
          sizeBytes: facts.sizeBytes,
          commit: input.commit,
          notes: notes || null,
          announce: input.announce ?? false,
          scheme: facts.scheme,
          signerCertSha256: signer.currentCertSha256,
          signerLineage: signer.lineage ?? [],
          minSdk: facts.minSdk,
          targetSdk: facts.targetSdk,
          publishedBy: input.publishedBy,
        },
      });
      await tx.auditLog.create({
        data: {
          actor: input.publishedBy,
          action: 'release.published',
          details: { releaseId: id, sha256: facts.sha256, commit: input.commit, signedBy: signer.signedBy, ...(signer.lineage ? { lineage: signer.lineage } : {}) },
        },
      });
      return created;
    });
    return { created: true, release };
  } catch (err) {
    // Two publishes of one build at once: the loser finds the winner's row.
    const raced = await db.release.findUnique({ where: { id } });
    if (raced?.sha256 === facts.sha256) return { created: false, release: raced };
    if (raced) throw new ReleaseConflict(raced);
    throw err;
  }
}
