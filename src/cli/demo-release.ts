// `npm run demo:release`: Jenkins publishes a build of the demo fleet's Stock Lookup app (the
// committed sample APKs, 4.3.0, then 4.4.0, then 4.5.0 on later runs) to the running demo. Before
// it, store S002 starts counting its stock (a freeze for the next 5 minutes: it gets the version
// only afterwards) and store S003 gets a slow link (2 Mbit/s, phones at 0.1 Mbit/s: its waves are
// small and many). The release then runs as in production, with the demo's timings: a minute of
// bake per ring, installs after each holder's shift.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import crypto from 'node:crypto';
import { DEMO_FLEET, generateFleet } from '../systems/fleet.ts';
import { api, cliEnvironment, fail, token, simulatorUrl, webUi } from './demo.ts';

const SAMPLES = ['stock-43', 'stock-44', 'stock-45-rotated'];
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/apk');
const fleet = generateFleet(DEMO_FLEET);
const call = async (method: string, url: string, body?: unknown) =>
  fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch(() => fail(`no answer from ${url}: is \`npm start\` running?`));

// The next sample not yet published (a build published again is the same release: nothing new to watch).
const apps = (await (await call('GET', `${api}/apps`)).json()) as { apps: { packageName: string; lastVersionCode: number | null }[] };
const last = apps.apps.find((a) => a.packageName === 'com.retailco.stock')?.lastVersionCode ?? 0;
const sample = SAMPLES.find((s) => Number(/-(\d+)/.exec(s)![1]) > last);
if (!sample) fail('every sample build has been published already: start the demo afresh (remove .phonefleet) to watch again');

// The store calendar and links the release will meet.
const frozen = fleet.stores.find((s) => s.id === 'S002');
const slow = fleet.stores.find((s) => s.id === 'S003');
if (frozen) {
  const now = Date.now();
  const res = await call('POST', `${api}/stores/S002/freezes`, {
    startsAt: new Date(now + 1_000).toISOString(),
    endsAt: new Date(now + 5 * 60_000).toISOString(),
    reason: 'demo: stock count',
  });
  console.log(`Store S002 counts its stock for the next 5 minutes (freeze: ${res.status}).`);
}
if (slow) {
  await call('PATCH', `${api}/stores/S003/settings`, { uplinkMbps: 2, updateSharePercent: 50 });
  await call('PUT', `${simulatorUrl(slow.mdmProvider === 'KNOX_MANAGE' ? 'knoxManage' : 'secondMdm')}/_sim/apps/links/S003`, { uplinkMbps: 2, phoneMbps: 0.1 });
  console.log('Store S003 has a slow link: 2 Mbit/s, half of it for updates.');
}

const bytes = fs.readFileSync(path.join(FIXTURES, `${sample}.apk`));
const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
const published = await fetch(`${api}/releases?${new URLSearchParams({ commit: 'a1b2c3d', sha256, notes: 'Demo build: faster barcode lookup' })}`, {
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/vnd.android.package-archive' },
  body: bytes,
}).catch(() => fail(`phonefleet's API does not answer at ${api}: is \`npm start\` running?`));
const body = (await published.json()) as { release?: { id: string; versionName: string | null; versionCode: number } };
if (!published.ok || !body.release) fail(`publish refused: ${published.status} ${JSON.stringify(body)}`);
const id = body.release.id;
console.log(`
Published ${id} (${body.release.versionName}, versionCode ${body.release.versionCode}). Watch it:
  Web UI: ${webUi(id)} (its summary line, the rings; each store's own workflow ${id}@S001 ...)
  ${cliEnvironment}
  phonefleet release status ${id}      ring by ring: installed, downloading, waiting for the window (the holder's shift) or a freeze
  phonefleet release wait ${id} --ring 1   (exits non-zero if the release halts)
  phonefleet release pause|resume|abort ${id} --reason "..."`);
