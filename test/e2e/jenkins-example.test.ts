// The example pipeline for an app repository (Jenkinsfile.android-app): its Publish stage's shell
// steps run exactly as written, in bash, with what Jenkins would put in their environment (the
// signed APK, the commit, the API's address and the release token from the credentials store)
// and the real `phonefleet` bin on the PATH, against the harness's API.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PIPELINE = fs.readFileSync(path.join(ROOT, 'Jenkinsfile.android-app'), 'utf8');

/** The single-quoted `sh '...'` steps of one stage, in order. */
function shellSteps(stage: string): string[] {
  const start = PIPELINE.indexOf(`stage('${stage}')`);
  if (start < 0) throw new Error(`no stage ${stage}`);
  const next = PIPELINE.indexOf("stage('", start + 1);
  const body = PIPELINE.slice(start, next < 0 ? undefined : next);
  return [...body.matchAll(/^\s*sh '([^']+)'$/gm)].map((m) => m[1]!);
}

let h: Harness;
let bin: string;
beforeAll(async () => {
  h = await startHarness();
  // `phonefleet` on the PATH, as the agent has it installed.
  bin = fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-bin-'));
  fs.writeFileSync(path.join(bin, 'phonefleet'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, 'bin', 'phonefleet.mjs')}" "$@"\n`, { mode: 0o755 });
});
afterAll(async () => h?.close());

const runStep = (command: string, env: Record<string, string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('bash', ['-c', command], { cwd: ROOT, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });

describe('the example Jenkins pipeline for an app repository', () => {
  it('its Publish stage, run as written, publishes the signed APK; the stage retried changes nothing', async () => {
    const steps = shellSteps('Publish to the fleet');
    expect(steps).toEqual(['phonefleet release publish "$SIGNED_APK" --commit "$GIT_COMMIT"']);
    const env = {
      SIGNED_APK: path.join(ROOT, 'test', 'fixtures', 'apk', 'stock-43.apk'),
      GIT_COMMIT: '9c1e5f0a7d3b2e4f6a8c0d1e2f3a4b5c6d7e8f90',
      PHONEFLEET_API_URL: h.api,
      PHONEFLEET_TOKEN: h.token,
    };
    for (const step of steps) {
      const run = await runStep(step, env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('release-com.retailco.stock-43 accepted');
    }
    expect(await h.db.release.findUniqueOrThrow({ where: { id: 'release-com.retailco.stock-43' } })).toMatchObject({ commit: env.GIT_COMMIT });

    const retried = await runStep(steps[0]!, env);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toContain('was already published');
    expect(await h.db.release.count()).toBe(1);
  });

  it('a build the verifier refuses fails the stage (non-zero exit), naming why', async () => {
    const [step] = shellSteps('Publish to the fleet');
    const run = await runStep(step!, {
      SIGNED_APK: path.join(ROOT, 'test', 'fixtures', 'apk', 'stock-44-unsigned.apk'),
      GIT_COMMIT: 'abcdef1',
      PHONEFLEET_API_URL: h.api,
      PHONEFLEET_TOKEN: h.token,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('APK refused: not signed with APK Signature Scheme v2 or v3');
  });

  it('the Sign stage passes the keystore password through the environment, never on the command line', () => {
    const steps = shellSteps('Sign');
    expect(steps.some((s) => s.startsWith('apksigner sign') && s.includes('--ks-pass env:KEYSTORE_PASS'))).toBe(true);
    expect(PIPELINE).not.toMatch(/--ks-pass pass:/);
  });
});
