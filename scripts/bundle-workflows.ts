// Bundles the workflow code into the file named by the first argument (src/worker/bundle.ts runs
// this in a child process, so that webpack's memory is not kept by the worker).
import fs from 'node:fs';
import { bundleWorkflows } from '../src/worker/bundle.ts';

const out = process.argv[2];
if (!out) {
  process.stderr.write('usage: bundle-workflows.ts <output file>\n');
  process.exit(2);
}
const { code } = await bundleWorkflows();
fs.writeFileSync(out, code);
