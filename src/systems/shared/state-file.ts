// A JSON file that keeps in-memory state across restarts: read once at start, rewritten shortly
// after changes and at shutdown. Each write goes to a temporary file that is then renamed over
// the old one, so a crash mid-write leaves the previous state whole. Mode 0600: the state may
// hold personal data (the HR simulator's identity records).
import fs from 'node:fs';
import path from 'node:path';
import { loggerFor, messageOf } from '../../observability/log.ts';

const log = loggerFor('simulator');

/** The saved JSON, or undefined when nothing was saved yet. */
export function readStateFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON: delete it to start afresh`);
  }
}

export async function writeStateFile(file: string, state: unknown): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const handle = await fs.promises.open(tmp, 'w', 0o600);
  try {
    await handle.chmod(0o600); // open() applies the mode only to a file it creates
    await handle.writeFile(JSON.stringify(state));
    await handle.sync(); // the data must be on disk before the rename makes it the state
  } finally {
    await handle.close();
  }
  await fs.promises.rename(tmp, file);
}

/**
 * Saves `state()` at most `delayMs` after a change (one write covers every change in that
 * window, so a burst of requests costs one write) and whenever save() is called.
 */
export class StateFileSaver {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly state: () => unknown,
    private readonly delayMs = 500,
  ) {}

  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      // The next change or save() tries again; the error names the file, never its content.
      this.save().catch((err: unknown) => log.error({ file: this.file, err: messageOf(err) }, 'could not save the simulators state'));
    }, this.delayMs);
    this.timer.unref(); // a pending save must not keep a finished process alive; close() saves
  }

  /** Writes the current state now, after any write under way. */
  save(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // The state is read when this write starts, so it is never older than the last change.
    const write = this.writing.catch(() => undefined).then(() => writeStateFile(this.file, this.state()));
    this.writing = write;
    return write;
  }
}
