// The freeze windows in force (src/domain/freezes.ts says what they are and how they are
// declared): what a process reads before it changes a store's phones.
import type { Db } from '../db/client.ts';
import type { Freeze } from '../db/generated/client.ts';

/**
 * The freeze in force at `at` for any of the stores, or fleet-wide. Windows are half-open,
 * [startsAt, endsAt). Of overlapping freezes, the one ending last: a caller that sleeps until
 * its end is not woken into another freeze it could have seen now.
 */
export async function activeFreeze(db: Pick<Db, 'freeze'>, storeIds: string[], at: Date): Promise<Freeze | null> {
  return db.freeze.findFirst({
    where: {
      startsAt: { lte: at },
      endsAt: { gt: at },
      OR: [{ storeId: { in: storeIds } }, { storeId: null }],
    },
    orderBy: [{ endsAt: 'desc' }, { id: 'asc' }],
  });
}
