// Secrets come from the environment. Only the embedded default (`npm start` with no
// configuration) makes its own, once, in its data folder (mode 0600, git-ignored), so a restart
// keeps reading what it wrote before.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export function loadOrCreateSecret(dataDir: string, name: string, make: () => string = () => randomBytes(32).toString('base64')): string {
  const file = path.join(dataDir, 'secrets', name);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      fs.writeFileSync(file, make() + '\n', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err; // another process made it first
    }
    return fs.readFileSync(file, 'utf8').trim();
  }
}
