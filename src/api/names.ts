// Names are never stored by phonefleet: when a curator's view needs the new hire's name, it is
// fetched from HR (the source of truth) for that answer only, and the reading is audited (who,
// how many people; never the names).
import type { HrApi } from '../systems/hr/api.ts';
import type { PrismaClient } from '../db/generated/client.ts';

/** The HR read a name needs; the identity's other fields (passport data) are dropped at once. */
export type NameSource = Pick<HrApi, 'getIdentity'>;

export async function withNamesFromHr<T extends { employeeId: string | null }>(
  hr: NameSource,
  db: PrismaClient,
  items: T[],
  audit: { actor: string; storeId: string },
): Promise<(T & { employeeName: string | null })[]> {
  const ids = [...new Set(items.map((i) => i.employeeId).filter((id): id is string => !!id))];
  const names = new Map<string, string | null>(
    await Promise.all(
      ids.map(async (id) => {
        try {
          const { firstName, lastName } = await hr.getIdentity(id);
          return [id, `${firstName} ${lastName}`] as const;
        } catch {
          return [id, null] as const; // HR does not know them (any more), or is down: shown without
        }
      }),
    ),
  );
  if (ids.length) await db.auditLog.create({ data: { actor: audit.actor, action: 'names.viewed', storeId: audit.storeId, details: { people: ids.length } } });
  return items.map((i) => ({ ...i, employeeName: i.employeeId ? (names.get(i.employeeId) ?? null) : null }));
}
