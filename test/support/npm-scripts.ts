// What `npm run <script>` runs, read from package.json, so that the process tests start exactly
// that command (npm itself would only add a shell around it, and not pass a Ctrl-C on).
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ScriptCommand {
  file: string;
  args: string[];
  /** Variables the script sets before its command (`NAME=value node ...`). */
  env: Record<string, string>;
}

/** The command of package.json's script `name`: `node` is this Node, other tools come from node_modules/.bin; spawn it with `{ ...env, ...command.env }`. */
export function npmScript(name: string): ScriptCommand {
  const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const line = scripts[name];
  if (!line) throw new Error(`package.json has no script "${name}"`);
  if (/[|&;<>$`"']/.test(line)) throw new Error(`script "${name}" is not a plain command: ${line}`);
  const words = line.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_][A-Z0-9_]*=/.test(words[0] ?? '')) {
    const [name, ...value] = words.shift()!.split('=');
    env[name!] = value.join('=');
  }
  const [tool, ...args] = words;
  return { file: tool === 'node' ? process.execPath : path.join(ROOT, 'node_modules', '.bin', tool!), args, env };
}
