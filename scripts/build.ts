// `npm run build`: the production build in dist/. The runtime code compiled by tsc
// (tsconfig.build.json), the files it reads by path at run time copied beside it, and the
// workflow code bundled once into dist/workflow-bundle.js, which the compiled worker loads
// instead of bundling at every start (src/worker/bundle.ts).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflows } from '../src/worker/bundle.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(ROOT, 'dist');

/** Read by path at run time, so tsc does not carry them over (relative to the repository root). */
const RUNTIME_FILES = [
  'src/temporal/failure-converter.cjs', // the data converter and the workflow bundle load it
  'prisma/migrations', // src/db/migrate.ts applies them at start-up (MIGRATIONS_DIR)
];

export async function build(): Promise<void> {
  fs.rmSync(DIST, { recursive: true, force: true });
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  for (const file of RUNTIME_FILES) fs.cpSync(path.join(ROOT, file), path.join(DIST, file), { recursive: true });
  // From the TypeScript source, exactly as development and the replay tests bundle it.
  const { code } = await bundleWorkflows();
  fs.writeFileSync(path.join(DIST, 'workflow-bundle.js'), code);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  await build();
  console.log(`phonefleet built into ${path.relative(process.cwd(), DIST) || '.'}/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
