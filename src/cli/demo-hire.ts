// `npm run demo:hire [-- --store S001 --position POS-CASH-01 --late-account-ms 0]`: HR hires
// someone in the demo fleet. The person is added to the HR and directory simulators (as HR and
// IT would), then HR's signed CloudEvent is sent to phonefleet, exactly as HR would send it.
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sign } from '../api/webhook-signature.ts';
import { ROLES } from '../domain/roles.ts';
import { api, config, fail, post, simulatorUrl, token } from './demo.ts';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'S001' },
    position: { type: 'string', default: ROLES[0].positions[0] },
    'late-account-ms': { type: 'string', default: '0' },
  },
});
const employeeId = `H${Date.now().toString().slice(-7)}`;
const startDate = new Date().toISOString().slice(0, 10);

const hr = await post(`${simulatorUrl('hr')}/_sim/employees`, {
  employeeId, storeId: values.store, position: values.position, startDate, status: 'HIRED',
  identity: { firstName: 'Demo', lastName: 'Hire', birthDate: '1995-05-05', nationality: 'RU', documentType: 'PASSPORT', documentNumber: `45 ${randomBytes(3).toString('hex')}` },
}).catch(() => fail('the HR simulator does not answer: is `npm start` running (with simulators)?'));
if (!hr.ok) fail(`HR simulator refused the employee: ${hr.status} ${await hr.text()}`);
await post(`${simulatorUrl('directory')}/_sim/accounts`, { employeeId, availableAfterMs: Number(values['late-account-ms']) });

const event = {
  specversion: '1.0', id: randomUUID(), source: '/hr/demo', type: 'com.retailco.hr.employee.hired', time: new Date().toISOString(),
  subject: employeeId, datacontenttype: 'application/json',
  data: { employeeId, storeId: values.store, position: values.position, startDate, displayName: 'Demo Hire' },
};
const body = JSON.stringify(event);
const id = `msg_${randomBytes(8).toString('hex')}`;
const timestamp = Math.floor(Date.now() / 1000);
const res = await fetch(`${api}/hr/events`, {
  method: 'POST',
  headers: { 'content-type': 'application/cloudevents+json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': sign(config.hrWebhookSecrets[0], id, timestamp, body) },
  body,
}).catch(() => fail(`phonefleet's API does not answer at ${api}: is \`npm start\` running?`));
console.log(`POST ${api}/hr/events -> ${res.status} ${await res.text()}`);
if (!res.ok) process.exit(1);
console.log(`
Employee ${employeeId} hired in store ${values.store}. Follow the onboarding:
  curl -s -H 'Authorization: Bearer ${token}' ${api}/employees/${employeeId}
When the phone is ready (stage awaiting-handover), the curator hands it over:
  npm run demo:handover -- ${employeeId}`);
