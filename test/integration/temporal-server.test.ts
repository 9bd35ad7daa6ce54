// The Temporal servers phonefleet starts by itself, from the locally installed binaries.
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSearchAttributes, resolveTemporalBinaries, SEARCH_ATTRIBUTES, startDevServer, timeSkippingServerOptions, type DevServer } from '../../src/temporal/server.ts';

const INDEXED = proto.temporal.api.enums.v1.IndexedValueType;
/** The server's indexed type for each attribute's type (KEYWORD ids, INT versionCode and ring). */
const indexedTypeOf = (key: (typeof SEARCH_ATTRIBUTES)[number]) => (key.type === 'INT' ? INDEXED.INDEXED_VALUE_TYPE_INT : INDEXED.INDEXED_VALUE_TYPE_KEYWORD);
const binaries = resolveTemporalBinaries();

async function listCustomAttributes(address: string, namespace: string) {
  const connection = await Connection.connect({ address });
  try {
    return (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  } finally {
    await connection.close();
  }
}

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = net.createServer().once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

describe('binaries', () => {
  it('finds the CLI and the test server as scripts/install-temporal.mjs installed them', () => {
    expect(binaries.cli).toMatch(/temporal$/);
    expect(binaries.testServer).toMatch(/temporal-test-server$/);
  });

  it('prefers an explicit path, then PATH, then .temporal/', () => {
    const explicit = resolveTemporalBinaries({ TEMPORAL_CLI_PATH: binaries.testServer, PATH: '' });
    expect(explicit.cli).toBe(binaries.testServer);
    const onPath = resolveTemporalBinaries({ PATH: path.dirname(binaries.cli!) });
    expect(onPath.cli).toBe(binaries.cli);
    const missingExplicit = resolveTemporalBinaries({ TEMPORAL_CLI_PATH: '/nonexistent/temporal', PATH: '' });
    expect(missingExplicit.cli).toBe(binaries.cli); // falls through to .temporal/py/bin
  });
});

describe('dev server', { timeout: 120_000 }, () => {
  let root: string;
  let server: DevServer;
  const namespace = 'phonefleet';
  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'phonefleet-temporal-'));
    server = await startDevServer({ namespace, dbFile: path.join(root, 'state', 'temporal.db'), logFile: path.join(root, 'temporal.log') });
  });
  afterAll(async () => {
    await server?.stop();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('answers on its frontend with the search attributes registered', async () => {
    expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const attributes = await listCustomAttributes(server.address, namespace);
    for (const key of SEARCH_ATTRIBUTES) expect(attributes[key.name], key.name).toBe(indexedTypeOf(key));
    expect(Object.keys(attributes)).toEqual(expect.arrayContaining(['EmployeeId', 'StoreId', 'Imei', 'Phase']));
  });

  it('serves the Web UI', async () => {
    expect(server.uiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(server.uiUrl!);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<html');
  });

  it('stops, freeing its port, and restarts on the same file with its namespace and attributes', async () => {
    const port = Number(server.address.split(':')[1]);
    await server.stop();
    expect(await portIsFree(port)).toBe(true);
    await server.stop(); // twice is harmless

    server = await startDevServer({ namespace, headless: true, dbFile: path.join(root, 'state', 'temporal.db') });
    expect(server.uiUrl).toBeUndefined();
    const attributes = await listCustomAttributes(server.address, namespace);
    for (const key of SEARCH_ATTRIBUTES) expect(attributes[key.name], key.name).toBe(indexedTypeOf(key));
  });

  it('registers the search attributes on a namespace it did not create, once', async () => {
    const connection = await Connection.connect({ address: server.address });
    try {
      await connection.workflowService.registerNamespace({
        namespace: 'external',
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      });
      expect(Object.keys(await listCustomAttributes(server.address, 'external'))).not.toContain('EmployeeId');
      expect(await ensureSearchAttributes(connection, 'external')).toEqual(SEARCH_ATTRIBUTES.map((k) => k.name));
      expect(await ensureSearchAttributes(connection, 'external')).toEqual([]);
      const attributes = await listCustomAttributes(server.address, 'external');
      for (const key of SEARCH_ATTRIBUTES) expect(attributes[key.name], key.name).toBe(indexedTypeOf(key));
    } finally {
      await connection.close();
    }
  });

  it("refuses a port that is taken rather than reporting someone else's server as started", async () => {
    const taken = Number(server.address.split(':')[1]);
    await expect(startDevServer({ port: taken, headless: true })).rejects.toThrow(`port ${taken} on 127.0.0.1 is in use`);
  });

  it('says what went wrong when the server exits at start', async () => {
    // a directory where the SQLite file should be
    await expect(startDevServer({ headless: true, dbFile: root })).rejects.toThrow(/Temporal dev server .* exited \(\d+\) before it answered:\n.+/s);
  });
});

describe('time-skipping test server', { timeout: 120_000 }, () => {
  it('runs from the local binary and skips a day at once', async () => {
    const options = timeSkippingServerOptions();
    expect(options?.server?.executable).toEqual({ type: 'existing-path', path: binaries.testServer });
    const started = Date.now();
    const env = await TestWorkflowEnvironment.createTimeSkipping(options);
    try {
      const before = await env.currentTimeMs();
      await env.sleep('1 day');
      const after = await env.currentTimeMs();
      expect(after - before).toBeGreaterThanOrEqual(86_400_000);
    } finally {
      await env.teardown();
    }
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
