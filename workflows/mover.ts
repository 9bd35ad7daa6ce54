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
import { continueAsNew, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import type { MoverActivities, MoveApplied } from '../activities/mover.ts';
import { storeChange } from './kit/activity-options.ts';
import { now } from './kit/clock.ts';
import { waitOutFreezes } from './kit/freeze-windows.ts';
import { stagesOf } from './kit/stage.ts';
import { proxyActivitiesByQueue } from './kit/task-queues.ts';
import { freezeChangedSignal, MOVER_STAGE_DETAILS, moverProgressQuery, moverSummary, WAITING_FOR_FREEZE, type MoverProgress, type MoverStart } from './mover-contract.ts';
import { moverV1 } from './mover-v1.ts';
import type { MoverPolicy } from './policy.ts';

export * from './mover-contract.ts';

const systems = proxyActivitiesByQueue<MoverActivities>(storeChange);

export interface MoverInput extends MoverStart {
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
  const { enter } = stagesOf(progress, {
    summary: () => moverSummary({ employeeId, move }),
    detail: () =>
      `${MOVER_STAGE_DETAILS[progress.stage]}${progress.freeze ? ` (${progress.freeze.storeId ?? 'fleet-wide'} freeze until ${progress.freeze.endsAt})` : ''} (since ${progress.since})`,
  });

  // The policy in force now, not the one frozen into the lifecycle when it started.
  const policy = resume?.policy ?? (await systems.currentPolicy())?.mover ?? startedWith;
  const stores = resume?.stores ?? (await systems.storesConcerned({ employeeId, move }));
  if (!move.urgent) {
    const end = await waitOutFreezes({
      freezeInForce: () => {
        freezeChanged = false;
        return systems.freezeInForce({ storeIds: stores });
      },
      recheckEvery: policy.freezeRecheckInterval,
      announced: () => freezeChanged,
      waitingFor: progress.freeze,
      startAttempt: resume?.attempt,
      onFreeze: (freeze) => {
        progress.freeze = freeze;
        if (freeze) enter(WAITING_FOR_FREEZE);
      },
    });
    if (end.kind === 'continue-as-new') {
      return await continueAsNew<typeof mover>({ employeeId, move, policy: startedWith, resume: { key, policy, stores, progress, attempt: end.attempt, freezeChanged } });
    }
    progress.freeze = undefined;
  }

  enter('applying');
  const applied =
    move.kind === 'role'
      ? await systems.applyRoleChange({ employeeId, position: move.position, idempotencyKey: key })
      : await systems.transferStore({ employeeId, storeId: move.storeId });
  progress.applied = applied;
  enter('done');
  return applied;
}
