// The workflow code a worker runs. In production (`npm run build`) it is bundled once at build
// time into dist/workflow-bundle.js and loaded from there: bundling at start costs seconds and
// hundreds of MB of webpack in every worker process. From the source tree (development, tests,
// `npm start`) it is bundled by a short-lived child process into a cache keyed by the workflow
// source's digest: webpack's memory leaves with the child, and an unchanged source is not
// bundled again (every test file and every restart reads the same file).
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../temporal/connection.ts';
import { loggerFor } from '../observability/log.ts';

const bundlerLog = loggerFor('worker').child({ part: 'bundler' });

const HERE = fileURLToPath(import.meta.url);

/** workflows/index.ts from source, workflows/index.js from the compiled tree in dist/. */
export const WORKFLOWS_PATH = path.resolve(path.dirname(HERE), '../../workflows', `index${path.extname(HERE)}`);

/**
 * Where `npm run build` writes the bundle: dist/workflow-bundle.js, which is ../../ from the
 * compiled dist/src/worker/bundle.js. From the source tree that path (the repository root) has
 * no bundle, so a stale build never leaks into development.
 */
export const PREBUILT_BUNDLE_PATH = path.resolve(path.dirname(HERE), '../../workflow-bundle.js');

/** The prebuilt bundle to load, if any: PHONEFLEET_WORKFLOW_BUNDLE, else the one beside the compiled code. */
export function prebuiltBundlePath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PHONEFLEET_WORKFLOW_BUNDLE) {
    const named = path.resolve(env.PHONEFLEET_WORKFLOW_BUNDLE);
    if (!fs.existsSync(named)) throw new Error(`PHONEFLEET_WORKFLOW_BUNDLE names ${named}, which does not exist`);
    return named;
  }
  return fs.existsSync(PREBUILT_BUNDLE_PATH) ? PREBUILT_BUNDLE_PATH : undefined;
}

/** Bundles the workflow code (the build calls this too, then writes `.code` to a file). */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, failureConverterPath: FAILURE_CONVERTER_PATH, logger: quietBundlerLogger });
}

const ROOT = path.resolve(path.dirname(HERE), '../..');
/** Where bundles of the source tree are kept (the usual place for a tool's cache). */
export const BUNDLE_CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'phonefleet');

/**
 * What the bundle is made of: every file under workflows/ (the workflow code and its contracts;
 * lint keeps them from importing anything but types from elsewhere), the failure converter it
 * embeds, and the SDK's version.
 */
export function workflowSourceDigest(): string {
  const hash = crypto.createHash('sha256');
  const files = fs
    .readdirSync(path.dirname(WORKFLOWS_PATH), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  for (const file of [...files, FAILURE_CONVERTER_PATH, path.join(ROOT, 'node_modules', '@temporalio', 'workflow', 'package.json')]) {
    hash.update(path.relative(ROOT, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** The cached bundle of the current source, made by a child process when missing. */
export async function cachedBundlePath(): Promise<string> {
  const file = path.join(BUNDLE_CACHE_DIR, `workflow-bundle-${workflowSourceDigest()}.js`);
  if (fs.existsSync(file)) return file;
  await fs.promises.mkdir(BUNDLE_CACHE_DIR, { recursive: true });
  // Another process may be bundling the same source: each writes its own file and renames it.
  const partial = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'bundle-workflows.ts'), partial], { cwd: ROOT, maxBuffer: 16 << 20 }, (err, _stdout, stderr) =>
      err ? reject(new Error(`bundling the workflow code failed: ${err.message}\n${stderr.slice(-2000)}`)) : resolve(),
    );
  });
  await fs.promises.rename(partial, file);
  return file;
}

/**
 * Bundling takes seconds: do it (or find the prebuilt file) once per process and share it between
 * workers. The workers get the file's path and read it themselves: a copy of the code held here
 * too would keep ~4 MB of string alive for the life of the process.
 */
let bundle: Promise<{ codePath: string }> | undefined;
export function workflowBundle(): Promise<{ codePath: string }> {
  bundle ??= (async () => {
    const prebuilt = prebuiltBundlePath();
    const codePath = prebuilt ?? (await cachedBundlePath());
    // Said once, so an operator (and test/e2e/compiled.test.ts) can see where the code came from.
    if (prebuilt) bundlerLog.info({ codePath }, `phonefleet worker: workflow code from the prebuilt bundle ${codePath}`);
    else bundlerLog.debug({ codePath }, 'phonefleet worker: workflow code from the bundle cache');
    return { codePath };
  })();
  return bundle;
}

const quiet = () => {};
const quietBundlerLogger = {
  trace: quiet,
  debug: quiet,
  info: quiet,
  warn: (message: string, meta?: object) => bundlerLog.warn(meta ?? {}, message),
  error: (message: string, meta?: object) => bundlerLog.error(meta ?? {}, message),
  log: quiet,
};
