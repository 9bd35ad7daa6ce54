// An app's git repository, as releases use it (issue 9 §6): the release notes are the log
// between the previous release's tag and the build's commit, and a completed release tags its
// commit (`release/<package>/<versionCode>`) and pushes the tag. phonefleet keeps a bare copy
// of each repository (path or URL) under its data directory and fetches before each use.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';

export const releaseTag = (packageName: string, versionCode: number): string => `release/${packageName}/${versionCode}`;

/** The most commits the notes list when no earlier release is tagged. */
export const NOTES_WITHOUT_TAG = 20;

/** The build's commit is not in the app's repository (pushed elsewhere, or a typo in the pipeline). */
export class UnknownCommit extends Error {
  constructor(
    readonly repository: string,
    readonly commit: string,
  ) {
    super(`commit ${commit} is not in ${repository}`);
    this.name = 'UnknownCommit';
  }
}

/** The repository could not be cloned or fetched (the git host down, a wrong address). */
export class RepositoryUnreachable extends Error {
  constructor(
    readonly repository: string,
    cause: unknown,
  ) {
    super(`cannot read ${repository}: ${(cause instanceof Error ? cause.message : String(cause)).split('\n')[0]}`);
    this.name = 'RepositoryUnreachable';
  }
}

export interface ReleaseGit {
  /** "- subject" lines, newest first: the commits after the previous release's tag up to `commit` (no merges). */
  notes(repository: string, o: { packageName: string; commit: string; previousVersionCode?: number }): Promise<string>;
  /** Tags `commit` as the release and pushes the tag; the same tag on the same commit again is a no-op. */
  tag(repository: string, o: { packageName: string; versionCode: number; commit: string }): Promise<string>;
}

/** Bare copies of the repositories in `dir` (one per repository, named by its address's digest). */
export class GitMirrors implements ReleaseGit {
  constructor(readonly dir: string) {}

  async notes(repository: string, o: { packageName: string; commit: string; previousVersionCode?: number }): Promise<string> {
    const git = await this.fetched(repository);
    const commit = await this.resolve(git, repository, o.commit);
    const previous = o.previousVersionCode === undefined ? undefined : releaseTag(o.packageName, o.previousVersionCode);
    const since = previous && (await this.tagExists(git, previous)) ? previous : undefined;
    const range = since ? [`${since}..${commit}`] : ['-n', String(NOTES_WITHOUT_TAG), commit];
    const out = await git.raw(['log', '--no-merges', '--topo-order', '--format=%s', ...range]);
    return out
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => `- ${line}`)
      .join('\n');
  }

  async tag(repository: string, o: { packageName: string; versionCode: number; commit: string }): Promise<string> {
    const git = await this.fetched(repository);
    const commit = await this.resolve(git, repository, o.commit);
    const tag = releaseTag(o.packageName, o.versionCode);
    if (await this.tagExists(git, tag)) {
      const tagged = (await git.raw(['rev-parse', `${tag}^{commit}`])).trim();
      if (tagged !== commit) throw new Error(`${tag} already tags ${tagged} in ${repository}, not ${commit}`);
    } else {
      await git.raw([
        '-c',
        'user.name=phonefleet',
        '-c',
        'user.email=phonefleet@localhost',
        'tag',
        '-a',
        tag,
        commit,
        '-m',
        `${o.packageName} versionCode ${o.versionCode}, released by phonefleet`,
      ]);
    }
    await git.push('origin', `refs/tags/${tag}`);
    return tag;
  }

  /** The repository's bare copy, fetched now (cloned the first time). */
  private async fetched(repository: string): Promise<SimpleGit> {
    const local = path.join(this.dir, crypto.createHash('sha256').update(repository).digest('hex').slice(0, 16) + '.git');
    try {
      if (!fs.existsSync(local)) {
        await fs.promises.mkdir(this.dir, { recursive: true });
        // Cloned beside its final name and renamed: a crash mid-clone leaves no half copy to trust.
        const partial = `${local}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
        await simpleGit().clone(repository, partial, ['--bare']);
        await fs.promises.rename(partial, local);
      }
      const git = simpleGit(local);
      await git.fetch(['origin', '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*', '--prune']);
      return git;
    } catch (err) {
      throw new RepositoryUnreachable(repository, err);
    }
  }

  private async resolve(git: SimpleGit, repository: string, commit: string): Promise<string> {
    try {
      return (await git.raw(['rev-parse', '--verify', '--end-of-options', `${commit}^{commit}`])).trim();
    } catch {
      throw new UnknownCommit(repository, commit);
    }
  }

  private async tagExists(git: SimpleGit, tag: string): Promise<boolean> {
    return (await git.raw(['tag', '--list', tag])).trim() === tag;
  }
}
