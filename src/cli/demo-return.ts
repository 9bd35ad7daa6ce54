// `npm run demo:return -- <imei> [ok|damaged]`: store support records a leaver's phone (and its
// SIM) as handed in: `phonefleet device returned` against the running demo.
import { fail, phonefleet } from './demo.ts';

const [imei, condition = 'ok'] = process.argv.slice(2);
if (!imei) fail('usage: npm run demo:return -- <imei> [ok|damaged]');
await phonefleet('device', 'returned', imei, '--condition', condition, '--sim-returned');
