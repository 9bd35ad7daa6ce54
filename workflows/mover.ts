// Mover: an employee changes role (new apps and policies on the phone, apps of the old role
// removed) or store (device and SIM move to the new store's group and stock, and to the new
// store's MDM when the two stores use different ones).
//
// Nothing reaches a store's phones during a freeze window (inventory: a phone whose apps change
// mid-count stops the count), so the change waits for the window's end, unless HR marks it
// urgent. A freeze created or lifted while it waits is honoured: operators' changes wake it.
import { condition, defineQuery, defineSignal, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { MoverActivities, MoveApplied } from '../activities/mover.ts';
import type { Move } from './hr-events.ts';
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

export async function mover({ employeeId, move, policy }: MoverInput): Promise<MoveApplied> {
  const progress: MoverProgress = { employeeId, move, stage: 'checking-freezes', since: now() };
  let freezeChanged = false;
  setHandler(moverProgressQuery, () => progress);
  setHandler(freezeChangedSignal, () => void (freezeChanged = true));
  const indexed = workflowInfo().typedSearchAttributes.get(Phase) !== undefined;
  const enter = (stage: MoverProgress['stage']) => {
    progress.stage = stage;
    progress.since = now();
    if (indexed) upsertSearchAttributes([{ key: Phase, value: stage }]);
  };

  const stores = await systems.storesConcerned({ employeeId, move });
  if (!move.urgent) {
    for (;;) {
      const freeze = await systems.freezeInForce({ storeIds: stores });
      if (!freeze) break;
      progress.freeze = freeze;
      enter(WAITING_FOR_FREEZE);
      freezeChanged = false;
      const untilEnd = Math.max(0, Date.parse(freeze.endsAt) - Date.now());
      await condition(() => freezeChanged, Math.min(untilEnd, msToNumber(policy.freezeRecheckInterval)));
    }
    progress.freeze = undefined;
  }

  enter('applying');
  const applied = move.kind === 'role' ? await systems.applyRoleChange({ employeeId, position: move.position }) : await systems.transferStore({ employeeId, storeId: move.storeId });
  progress.applied = applied;
  enter('done');
  return applied;
}

function now(): string {
  return new Date().toISOString();
}
