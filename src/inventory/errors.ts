// What the inventory refuses, typed: a caller (the activity boundary) tells a refusal, which
// no retry can change, from a database that did not answer.
import type { DeviceState, SimState } from '../db/generated/client.ts';

/** The inventory says no: the record is missing, or the move is not allowed from its state. */
export abstract class InventoryRefusal extends Error {}

/** A store, employee, position, device or SIM phonefleet does not know. */
export class UnknownRecord extends InventoryRefusal {
  constructor(
    /** As the failure's type: UnknownStore, UnknownPosition, UnknownEmployee, UnknownDevice, UnknownSim. */
    override readonly name: `Unknown${'Store' | 'Position' | 'Employee' | 'Device' | 'Sim'}`,
    message: string,
  ) {
    super(message);
  }
}

/** A device or SIM asked to move where its current state does not lead (e.g. restock a phone another hire reserved). */
export class IllegalTransition extends InventoryRefusal {
  override readonly name = 'IllegalTransition';
  constructor(
    readonly item: { device: string } | { sim: string },
    readonly transition: string,
    readonly from: DeviceState | SimState,
  ) {
    super(`${'device' in item ? `device ${item.device}` : `SIM ${item.sim}`} cannot ${transition} from ${from}`);
  }
}
