// The mover as it ran before issue 6 (keys per occurrence, the current policy, the shared wait),
// kept verbatim so committed and running histories still replay: `mover` runs it for every run
// without the 'mover-v2' marker. Do not change it.
import { condition, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time.js';
import type { MoverActivities, MoveApplied } from '../activities/mover.ts';
import { freezeChangedSignal, moverProgressQuery, WAITING_FOR_FREEZE, type MoverProgress } from './mover-contract.ts';
import type { MoverInput } from './mover.ts';
import { Phase } from './search-attributes.ts';

const systems = proxyActivities<MoverActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export async function moverV1({ employeeId, move, policy }: MoverInput): Promise<MoveApplied> {
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
  const applied =
    move.kind === 'role' ? await systems.applyRoleChange({ employeeId, position: move.position }) : await systems.transferStore({ employeeId, storeId: move.storeId });
  progress.applied = applied;
  enter('done');
  return applied;
}

function now(): string {
  return new Date().toISOString();
}
