// `npm run demo:handover -- <employeeId>`: the curator confirms the prepared phone is in the
// employee's hands.
import { api, fail, post, token } from './demo.ts';

const employeeId = process.argv[2] ?? fail('usage: npm run demo:handover -- <employeeId>');
const auth = { authorization: `Bearer ${token}` };
const state = await fetch(`${api}/employees/${employeeId}`, { headers: auth }).catch(() => fail(`phonefleet's API does not answer at ${api}`));
if (!state.ok) fail(`${state.status} ${await state.text()}`);
const { onboarding } = (await state.json()) as { onboarding?: { stage: string; imei?: string } };
if (!onboarding?.imei) fail(`no phone prepared for ${employeeId} yet (stage: ${onboarding?.stage ?? 'none'})`);
const res = await post(`${api}/devices/${onboarding.imei}/handover`, { employeeId }, auth);
console.log(`POST ${api}/devices/${onboarding.imei}/handover -> ${res.status} ${await res.text()}`);
if (!res.ok) process.exit(1);
