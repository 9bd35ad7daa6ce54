// `npm run demo:handover -- <employeeId>`: the curator confirms the prepared phone is in the
// employee's hands: `phonefleet device handover <employeeId>` against the running demo.
import { fail, phonefleet } from './demo.ts';

const employeeId = process.argv[2] ?? fail('usage: npm run demo:handover -- <employeeId>');
await phonefleet('device', 'handover', employeeId);
