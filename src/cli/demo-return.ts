// `npm run demo:return -- <imei> [ok|damaged]`: store support records a leaver's phone (and its
// SIM) as handed in.
import { api, fail, post, token } from './demo.ts';

const [imei, condition = 'ok'] = process.argv.slice(2);
if (!imei) fail('usage: npm run demo:return -- <imei> [ok|damaged]');
const res = await post(`${api}/devices/${imei}/returned`, { condition, simReturned: true }, { authorization: `Bearer ${token}` }).catch(() => fail(`phonefleet's API does not answer at ${api}`));
console.log(`POST ${api}/devices/${imei}/returned -> ${res.status} ${await res.text()}`);
if (!res.ok) process.exit(1);
