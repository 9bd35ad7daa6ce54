// `npm run demo:hire [-- --store S001 --position POS-CASH-01 --late-account-ms 0]`: HR hires
// someone in the demo fleet. The person is added to the HR and directory simulators (as HR and
// IT would), then HR's signed CloudEvent is sent to phonefleet, exactly as HR would send it.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ROLES } from '../domain/roles.ts';
import { localDate } from '../domain/store-calendar.ts';
import { DEMO_FLEET, generateFleet } from '../systems/fleet.ts';
import { cliEnvironment, fail, post, sendHrEvent, simulatorUrl } from './demo.ts';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'S001' },
    position: { type: 'string', default: ROLES[0].positions[0] },
    'late-account-ms': { type: 'string', default: '0' },
  },
});
const employeeId = `H${Date.now().toString().slice(-7)}`;
// "Today" is the store's today: day one is counted in the store's time zone.
const store = generateFleet(DEMO_FLEET).stores.find((s) => s.id === values.store);
const startDate = localDate(new Date(), store?.timeZone ?? 'UTC');

const hr = await post(`${simulatorUrl('hr')}/_sim/employees`, {
  employeeId,
  storeId: values.store,
  position: values.position,
  startDate,
  status: 'HIRED',
  identity: { firstName: 'Demo', lastName: 'Hire', birthDate: '1995-05-05', nationality: 'RU', documentType: 'PASSPORT', documentNumber: `45 ${randomBytes(3).toString('hex')}` },
}).catch(() => fail('the HR simulator does not answer: is `npm start` running (with simulators)?'));
if (!hr.ok) fail(`HR simulator refused the employee: ${hr.status} ${await hr.text()}`);
await post(`${simulatorUrl('directory')}/_sim/accounts`, { employeeId, availableAfterMs: Number(values['late-account-ms']) });

await sendHrEvent('hired', employeeId, { storeId: values.store, position: values.position, startDate, displayName: 'Demo Hire' });
console.log(`
Employee ${employeeId} hired in store ${values.store}. Follow the onboarding:
  ${cliEnvironment}
  phonefleet employee show ${employeeId}        (or: npm run phonefleet -- employee show ${employeeId})
When the phone is ready (stage awaiting-handover), the curator hands it over:
  npm run demo:handover -- ${employeeId}`);
