// `npm run demo:dismiss -- <employeeId> [lastWorkingDay]`: HR dismisses someone of the demo
// fleet (e.g. E000002). With a last working day in the past the lock comes after the grace
// period; hand the phone in with `npm run demo:return -- <imei>`.
import { cliEnvironment, fail, sendHrEvent } from './demo.ts';

const [employeeId, lastWorkingDay = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)] = process.argv.slice(2);
if (!employeeId) fail('usage: npm run demo:dismiss -- <employeeId> [YYYY-MM-DD]   (demo staff: E000002, E000003, ...)');
await sendHrEvent('dismissed', employeeId, { lastWorkingDay });
console.log(`
Employee ${employeeId} dismissed, last working day ${lastWorkingDay}. Follow the clearance:
  ${cliEnvironment}
  phonefleet employee show ${employeeId}        (or: npm run phonefleet -- employee show ${employeeId})
Store support records the returned phone:
  npm run demo:return -- <imei> [ok|damaged]`);
