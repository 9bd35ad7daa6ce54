// Mover: an employee changes role (new apps and policies on the phone, apps of the old role
// removed) or store (device and SIM move to the new store's group and stock, and to the new
// store's MDM when the two stores use different ones).
//
// Nothing reaches a store's phones during a freeze window (inventory: a phone whose apps change
// mid-count stops the count), so the change waits for the window's end, unless HR marks it
// urgent. A freeze created or lifted while it waits is honoured: operators' changes wake it.
//
// Each role change acts once with its own key (the mover's first run id), so a second role change
// sends its own message; the policy is the one in force when the mover starts.
import { continueAsNew, defineQuery, defineSignal, patched, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { MoverActivities, MoveApplied } from '../activities/mover.ts';
import type { Move } from './hr-events.ts';
import { pollUntil, searchAttributeShower } from './kit/wait.ts';
import { moverV1 } from './mover-v1.ts';
import type { MoverPolicy } from './policy.ts';
import { Phase } from './search-attributes.ts';

const systems = proxyActivities<MoverActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export const moverWorkflowId = (employeeId: string) => `mover-${employeeId}`;

export interface MoverInput {
  employeeId: string;
  move: Move;
  policy: MoverPolicy;
  /** Set by continue-as-new during a long freeze wait. */
  resume?: MoverResume;
}

export interface MoverResume {
  key: string;
  policy: MoverPolicy;
  stores: string[];
  progress: MoverProgress;
  attempt: number;
  freezeChanged: boolean;
}

export interface MoverProgress {
  employeeId: string;
  move: Move;
  stage: 'checking-freezes' | typeof WAITING_FOR_FREEZE | 'applying' | 'done';
  since: string;
  freeze?: { storeId: string | null; endsAt: string; reason: string };
  applied?: MoveApplied;
}

/** The `Phase` of a mover sleeping until a freeze ends: operators' freeze changes wake these. */
export const WAITING_FOR_FREEZE = 'waiting-for-freeze';

export const moverProgressQuery = defineQuery<MoverProgress>('progress');
/** Operators created or removed a freeze window: look again now. */
export const freezeChangedSignal = defineSignal('freezeChanged');

export async function mover(input: MoverInput): Promise<MoveApplied> {
  if (!input.resume && !patched('mover-v2')) return moverV1(input);
  return applyMove(input);
}

async function applyMove({ employeeId, move, policy: startedWith, resume }: MoverInput): Promise<MoveApplied> {
  const progress: MoverProgress = resume?.progress ?? { employeeId, move, stage: 'checking-freezes', since: now() };
  const key = resume?.key ?? workflowInfo().firstExecutionRunId;
  let freezeChanged = resume?.freezeChanged ?? false;
  setHandler(moverProgressQuery, () => progress);
  setHandler(freezeChangedSignal, () => void (freezeChanged = true));
  const show = searchAttributeShower<MoverProgress['stage']>(Phase, workflowInfo().typedSearchAttributes.get(Phase) !== undefined);
  const enter = (stage: MoverProgress['stage']) => {
    if (progress.stage === stage) return;
    progress.stage = stage;
    progress.since = now();
    show(stage);
  };

  // The policy in force now, not the one frozen into the lifecycle when it started.
  const policy = resume?.policy ?? (await systems.currentPolicy())?.mover ?? startedWith;
  const stores = resume?.stores ?? (await systems.storesConcerned({ employeeId, move }));
  if (!move.urgent) {
    let attempt = resume?.attempt ?? 0;
    for (;;) {
      // Sleep until the freeze seen ends; look again sooner when operators announce a change,
      // and every recheck interval in case a change went unannounced.
      const waitingFor = progress.freeze;
      const end = await pollUntil({
        check: async () => {
          freezeChanged = false;
          const freeze = await systems.freezeInForce({ storeIds: stores });
          if (!freeze) return { clear: true as const };
          return JSON.stringify(freeze) === JSON.stringify(waitingFor) ? undefined : { freeze };
        },
        backoff: { first: policy.freezeRecheckInterval, max: policy.freezeRecheckInterval },
        wake: () => freezeChanged,
        deadline: waitingFor ? Date.parse(waitingFor.endsAt) : undefined,
        startAttempt: attempt,
      });
      if (end.kind === 'continue-as-new') {
        return await continueAsNew<typeof mover>({ employeeId, move, policy: startedWith, resume: { key, policy, stores, progress, attempt: end.attempt, freezeChanged } });
      }
      if (end.kind === 'ready' && 'clear' in end.value) break;
      if (end.kind === 'ready') {
        // A (new) freeze in force: wait for its end.
        progress.freeze = end.value.freeze;
        enter(WAITING_FOR_FREEZE);
        attempt = 1;
      } else {
        attempt = 0; // the freeze waited for ended: look at once
        progress.freeze = undefined;
      }
    }
    progress.freeze = undefined;
  }

  enter('applying');
  const applied =
    move.kind === 'role' ? await systems.applyRoleChange({ employeeId, position: move.position, idempotencyKey: key }) : await systems.transferStore({ employeeId, storeId: move.storeId });
  progress.applied = applied;
  enter('done');
  return applied;
}

function now(): string {
  return new Date().toISOString();
}
