// The Temporal Web UI as an operator sees it: phonefleet started as `npm start` starts it (dev
// server with its UI, pointed at phonefleet's codec endpoint), a hire, and headless Chromium
// (Debian's chromium package, installed by .ci/run) reading the UI's workflow list, where the
// hire's workflows must be listed, and the onboarding's page, where its static summary must be
// shown: decrypted by phonefleet's codec endpoint, which the browser calls.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, freePorts } from '../support/ports.ts';
import { loadConfig } from '../../src/config.ts';
import { assemble, type Running } from '../../src/assemble.ts';
import { createLogger } from '../../src/observability/log.ts';
import { SIMULATOR_NAMES } from '../../src/systems/index.ts';
import { ROLES } from '../../src/domain/roles.ts';
import { employeeWorkflowId } from '../../workflows/employee-lifecycle-contract.ts';
import { JOINER_STAGE, joinerSummary, joinerWorkflowId } from '../../workflows/joiner-contract.ts';
import { eventually } from '../support/harness.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
/** Environment variables that would point phonefleet at real systems or fix its settings. */
const CONFIGURATION = /^(DATABASE_URL|TEMPORAL_(ADDRESS|NAMESPACE|TASK_QUEUE)|API_|PHONEFLEET_|POLICY_|HR_|PAYLOAD_|CODEC_|(KNOX_MANAGE|SECOND_MDM|OPERATOR|DIRECTORY|SIM)_)/;

let running: Running | undefined;
let browser: Browser | undefined;
let env: Record<string, string | undefined>;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'phonefleet-web-ui-'));
fs.chmodSync(dataDir, 0o755); // as root the embedded PostgreSQL runs as `postgres`, who must enter it

beforeAll(async () => {
  // Fails, not skips: the check is part of the suite wherever it runs.
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\` (.ci/run does) or set CHROMIUM_PATH`);
  env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !CONFIGURATION.test(name))),
    PHONEFLEET_DATA_DIR: dataDir,
    API_PORT: String(await freePort()),
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    SIM_BASE_PORT: String(await freePorts(SIMULATOR_NAMES.length)),
  };
  running = await assemble(loadConfig(env), env, createLogger({ level: 'silent' }));
  // Root in a container: Chromium's sandbox needs user namespaces it may not have.
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function demoHire(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(TSX, ['src/cli/demo-hire.ts'], { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
      const employeeId = /Employee (\S+) hired/.exec(stdout)?.[1];
      if (err || !employeeId) reject(new Error(`demo:hire failed: ${stderr || stdout}`));
      else resolve(employeeId);
    });
  });
}

/** The name demo:hire gives its hire (src/cli/demo-hire.ts): personal data, never in user metadata. */
const HIRE_NAME = 'Demo Hire';
const JOINER_STAGES: readonly string[] = Object.values(JOINER_STAGE);

describe('Temporal Web UI', () => {
  it("lists the hire's workflows and shows the onboarding's summary, decoded through phonefleet's codec (read in headless Chromium)", async () => {
    const employeeId = await demoHire();
    const workflowId = employeeWorkflowId(employeeId);
    const joinerId = joinerWorkflowId(employeeId);
    const summary = joinerSummary({ employeeId, hire: { storeId: 'S001', position: ROLES[0].positions[0], startDate: 'any' } });
    const page = await browser!.newPage();
    const decodes: number[] = [];
    page.on('response', (response) => {
      const url = response.url();
      if (url.startsWith(`${running!.apiUrl}/codec/`) && new URL(url).pathname.endsWith('/decode') && response.request().method() === 'POST') decodes.push(response.status());
    });
    // The list is read from the visibility store, which indexes a new workflow within a second or
    // so: reload until it is there.
    const listed = await eventually(
      async () => {
        await page.goto(`${running!.uiUrl}/namespaces/default/workflows`, { waitUntil: 'networkidle0' });
        // The page's visible text, as the operator reads it (no DOM typings in this project).
        const text = await page.$eval('body', (body) => (body as unknown as { innerText: string }).innerText);
        return text.includes(workflowId) && text.includes(joinerId) && text;
      },
      `workflows ${workflowId} and ${joinerId} in the Web UI's list`,
      60_000,
    );
    expect(listed).toContain('employeeLifecycle');

    // The list's columns are the operator's choice (kept in the browser's local storage). This
    // UI's list has no summary column (the list API returns no user metadata): what the operator
    // reads there is the Phase search attribute, the stage each process is in.
    await page.evaluate(() => {
      const storage = (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage;
      const columns = ['Status', 'Workflow ID', 'Type', 'Phase', 'Start'].map((label) => ({ label }));
      storage.setItem('namespace-workflow-table-columns', JSON.stringify({ default: columns }));
    });
    const joinerRow = await eventually(
      async () => {
        await page.goto(`${running!.uiUrl}/namespaces/default/workflows`, { waitUntil: 'networkidle0' });
        const rows = await page.$$eval('tr', (trs) => trs.map((tr) => (tr as unknown as { innerText: string }).innerText));
        return rows[0]?.includes('Phase') && rows.find((row) => row.includes(joinerId) && JOINER_STAGES.some((stage) => row.includes(stage)));
      },
      `${joinerId}'s row in the list showing its phase`,
      60_000,
    );
    expect(joinerRow).not.toContain(HIRE_NAME);

    // The lifecycle continues as new after each event, so its current run has no static summary;
    // the onboarding it started has one. The UI opens a workflow at its current run (the run id
    // lands in the address), and shows Summary and Details on the User Metadata tab, each rendered
    // from markdown in its own frame (so not in the page's own text).
    await page.goto(`${running!.uiUrl}/namespaces/default/workflows/${joinerId}`, { waitUntil: 'domcontentloaded' });
    const runPath = await eventually(async () => new RegExp(`/workflows/${joinerId}/[0-9a-f-]{36}`).exec(page.url())?.[0], `the run id of ${joinerId} in the address`, 30_000);
    await page.goto(`${running!.uiUrl}/namespaces/default${runPath}/user-metadata`, { waitUntil: 'domcontentloaded' });
    const shown = await eventually(
      async () => {
        const frame = await (await page.$('iframe#user-metadata-summary'))?.contentFrame();
        const text = await frame?.$eval('body', (body) => (body as unknown as { innerText: string }).innerText);
        return text?.includes(summary) && text;
      },
      `the summary "${summary}" on ${joinerId}'s User Metadata tab`,
      30_000,
    );
    expect(shown.trim()).toBe(summary);
    // Summaries are encrypted like every payload: the browser got them from the codec endpoint.
    expect(decodes.length).toBeGreaterThan(0);
    expect(decodes.every((status) => status === 200)).toBe(true);
    const everything = await Promise.all(page.frames().map((frame) => frame.$eval('body', (body) => (body as unknown as { innerText: string }).innerText)));
    expect(everything.join('\n')).not.toContain(HIRE_NAME);
    await page.close();
  }, 120_000);
});
