// Release notes and tags from an app's git repository (src/release/git.ts), on real repositories
// made here: an "origin" (bare, as the git host holds it) and a developer's clone that pushes to it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { beforeAll, describe, expect, it } from 'vitest';
import { GitMirrors, releaseTag, UnknownCommit } from '../../src/release/git.ts';

const PKG = 'com.retailco.stock';
let origin: string;
let dev: SimpleGit;
let devDir: string;
const commits: Record<string, string> = {};

async function commit(subject: string): Promise<string> {
  fs.writeFileSync(path.join(devDir, 'CHANGES'), `${subject}\n`, { flag: 'a' });
  await dev.add('CHANGES');
  await dev.commit(subject);
  const sha = (await dev.revparse(['HEAD'])).trim();
  commits[subject] = sha;
  return sha;
}

beforeAll(async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-git-test-'));
  origin = path.join(root, 'stock.git');
  await simpleGit().init(true, [origin]);
  devDir = path.join(root, 'dev');
  await simpleGit().clone(origin, devDir);
  dev = simpleGit(devDir).addConfig('user.name', 'Dev').addConfig('user.email', 'dev@retailco.example');
  await dev.checkout(['-b', 'main']);
  await commit('Scan screen');
  await commit('Stock lookup by barcode');
  await dev.addAnnotatedTag(releaseTag(PKG, 43), 'released');
  await commit('Faster barcode lookup');
  // A branch merged back: its commit is listed, the merge commit is not.
  await dev.checkout(['-b', 'feature']);
  await commit('Offline shelf list');
  await dev.checkout('main');
  await dev.merge(['--no-ff', 'feature', '-m', 'Merge branch feature']);
  await commit('Fix crash on empty shelf');
  await dev.push(['origin', 'main', '--tags']);
});

describe('release notes from git', () => {
  it('are the commits after the previous release’s tag up to the build’s commit, newest first, without merges', async () => {
    const git = new GitMirrors(fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-mirrors-')));
    const notes = await git.notes(origin, { packageName: PKG, commit: commits['Fix crash on empty shelf']!, previousVersionCode: 43 });
    const lines = notes.split('\n');
    expect(lines[0]).toBe('- Fix crash on empty shelf');
    expect([...lines].sort()).toEqual(['- Faster barcode lookup', '- Fix crash on empty shelf', '- Offline shelf list']);
  });

  it('without a tagged previous release: the last commits up to the build’s', async () => {
    const git = new GitMirrors(fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-mirrors-')));
    expect(await git.notes(origin, { packageName: PKG, commit: commits['Stock lookup by barcode']! })).toBe('- Stock lookup by barcode\n- Scan screen');
    // A previous versionCode never tagged counts as none.
    expect(await git.notes(origin, { packageName: PKG, commit: commits['Stock lookup by barcode']!, previousVersionCode: 40 })).toBe('- Stock lookup by barcode\n- Scan screen');
  });

  it('see commits pushed after the first look (fetched each time)', async () => {
    const git = new GitMirrors(fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-mirrors-')));
    await git.notes(origin, { packageName: PKG, commit: commits['Scan screen']! });
    const later = await commit('Price tags in large print');
    await dev.push('origin', 'main');
    expect((await git.notes(origin, { packageName: PKG, commit: later, previousVersionCode: 43 })).split('\n')[0]).toBe('- Price tags in large print');
  });

  it('refuse a commit the repository does not have', async () => {
    const git = new GitMirrors(fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-mirrors-')));
    await expect(git.notes(origin, { packageName: PKG, commit: 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef' })).rejects.toBeInstanceOf(UnknownCommit);
    await expect(git.notes(origin, { packageName: PKG, commit: '--all' })).rejects.toBeInstanceOf(UnknownCommit);
  });
});

describe('release tags', () => {
  it('tag the commit and push the tag to the repository; again is a no-op; another commit under the same tag is refused', async () => {
    const git = new GitMirrors(fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-mirrors-')));
    const sha = commits['Fix crash on empty shelf']!;
    expect(await git.tag(origin, { packageName: PKG, versionCode: 44, commit: sha })).toBe('release/com.retailco.stock/44');
    const atOrigin = simpleGit(origin);
    expect((await atOrigin.raw(['rev-parse', 'release/com.retailco.stock/44^{commit}'])).trim()).toBe(sha);
    await git.tag(origin, { packageName: PKG, versionCode: 44, commit: sha });
    await expect(git.tag(origin, { packageName: PKG, versionCode: 44, commit: commits['Scan screen']! })).rejects.toThrow(/already tags/);
    // The next release's notes start after it.
    const next = await commit('Dark mode');
    await dev.push('origin', 'main');
    expect(await git.notes(origin, { packageName: PKG, commit: next, previousVersionCode: 44 })).toMatch(/^- Dark mode/);
    expect(await git.notes(origin, { packageName: PKG, commit: next, previousVersionCode: 44 })).not.toMatch(/Fix crash on empty shelf/);
  });
});
