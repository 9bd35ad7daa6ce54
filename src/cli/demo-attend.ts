// `npm run demo:attend [-- <session>] [--absent <employeeId> ...]`: the trainer of the demo's
// rollout (`npm run demo:rollout`) records who came to the session open now (or the one named):
// everyone invited except those named absent, with `phonefleet rollout attend` (the API's
// attendance route). Their prepared phones are handed over at the session; the absent are placed
// into a later one. Without a session open now, it says when the next one opens.
import { parseArgs } from 'node:util';
import { sessionProgressQuery, trainingSessionWorkflowId, type SessionProgress } from '../../workflows/training-session-contract.ts';
import { apiCall, fail, phonefleetThen, temporal } from './demo.ts';
import { clockTime, demoRollout, inTime, rolloutOf } from './demo-rollout-store.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { absent: { type: 'string', multiple: true, default: [] }, store: { type: 'string' } },
});
const absent = new Set(values.absent.flatMap((a) => a.split(',')).filter(Boolean));
const named = positionals[0];
const storeId = values.store ?? (await demoRollout()).storeId;
const progress = await rolloutOf(storeId);
if (!progress) fail(`no rollout of ${storeId}: start one with \`npm run demo:rollout\``);
if (progress.state === 'done') fail(`the rollout of ${storeId} is over: every session is held`);

// The sessions not held yet, soonest first; the one the trainer records now is the first whose
// attendance is awaited (open), unless one is named.
const candidates = named ? progress.upcoming.filter((u) => u.sessionId === named) : progress.upcoming.filter((u) => Date.parse(u.startsAt) <= Date.now());
if (named && candidates.length === 0)
  fail(`no session ${named} to come in the rollout of ${storeId} (the next: ${progress.upcoming.map((u) => u.sessionId).join(', ') || 'none'})`);
let session = named ? candidates[0] : undefined;
const notes: string[] = [];
if (!named && candidates.length) {
  const { client, connection } = await temporal();
  for (const u of candidates) {
    const state = await client.workflow
      .getHandle(trainingSessionWorkflowId(storeId, u.sessionId))
      .query(sessionProgressQuery)
      .then((p: SessionProgress) => p.state)
      .catch(() => 'unknown');
    if (state === 'open') {
      session = u;
      break;
    }
    notes.push(
      `${u.sessionId} started at ${clockTime(u.startsAt)}: ${state === 'waiting-for-images' || state === 'handing-over' ? 'attendance recorded, handing over the phones' : state}`,
    );
  }
  await connection.close();
}
if (!session) {
  const next = progress.upcoming.find((u) => Date.parse(u.startsAt) > Date.now());
  console.log(
    [
      `No session of the rollout of ${storeId} is open for attendance now.`,
      ...notes,
      next
        ? `The next, ${next.sessionId} (room ${next.room}, ${next.employees.length} people), opens at ${clockTime(next.startsAt)} (${inTime(next.startsAt)}): run \`npm run demo:attend\` then.`
        : 'No session is to come: the sessions under way report back when they are over.',
    ].join('\n'),
  );
  process.exit(0);
}

const strangers = [...absent].filter((e) => !session.employees.includes(e));
if (strangers.length) fail(`not invited to ${session.sessionId}: ${strangers.join(', ')} (invited: ${session.employees.join(', ')})`);
const present = session.employees.filter((e) => !absent.has(e)).sort();
let code: number;
if (present.length) code = await phonefleetThen('rollout', 'attend', storeId, session.sessionId, '--present', ...present);
else {
  // Nobody came: the CLI needs someone present, the API takes an empty list.
  const { status, body } = await apiCall('POST', `/stores/${storeId}/rollouts/sessions/${encodeURIComponent(session.sessionId)}/attendance`, { present: [] });
  console.log(`POST /stores/${storeId}/rollouts/sessions/${session.sessionId}/attendance {"present": []} -> ${status} ${JSON.stringify(body)}`);
  code = status === 200 ? 0 : 1;
}
if (code !== 0 || absent.size === 0) process.exit(code);

// Where the rollout placed the absent, once the session has reported (a few seconds: after its hand-overs).
const held = session.sessionId;
for (let i = 0; i < 20; i++) {
  const p = await rolloutOf(storeId);
  const placed = p?.upcoming.filter((u) => u.sessionId !== held && u.employees.some((e) => absent.has(e))) ?? [];
  const unplaced = p?.unplaced.filter((x) => absent.has(x.employeeId)) ?? [];
  // The session reports when its phones are handed over; the rollout places its no-shows then.
  if (p && (placed.length || unplaced.length)) {
    for (const u of placed)
      console.log(
        `${u.employees.filter((e) => absent.has(e)).join(', ')} placed into ${u.sessionId} at ${u.startsAt} (the planner's slot on the store's real grid, not brought forward: the rollout runs until then).`,
      );
    for (const x of unplaced) console.log(`${x.employeeId} placed nowhere: ${x.reason}`);
    process.exit(0);
  }
  await new Promise((r) => setTimeout(r, 1_000));
}
console.log(`${held} is still handing over: \`phonefleet rollout status ${storeId}\` shows where ${[...absent].join(', ')} go once it has reported.`);
process.exit(0);
