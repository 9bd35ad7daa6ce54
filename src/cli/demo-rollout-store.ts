// What `npm run demo:rollout` and `npm run demo:attend` share: the new stores the demo rolls out
// (S004 on, after the demo fleet's three stores: one per run, the next once a rollout is over),
// their staff and the leasing partner's shipment, all derived from the store's number so that a
// second run finds what the first one made.
import { makeIccid, makeImei } from '../domain/identifiers.ts';
import type { RosterEntry } from '../domain/training-plan.ts';
import type { ManifestRow } from '../rollout/manifest.ts';
import { DEMO_FLEET } from '../systems/fleet.ts';
import type { RolloutProgress } from '../../workflows/store-rollout-contract.ts';
import { apiCall, fail } from './demo.ts';

/** The store's departments: who works where, how many must stay on the floor, HR's position for them. */
export const DEPARTMENTS = [
  { id: 'SALES_FLOOR', people: 15, minOnFloor: 10, position: 'POS-SALE-01' },
  { id: 'CHECKOUT', people: 9, minOnFloor: 6, position: 'POS-CASH-01' },
] as const;
/** Phones beyond one a person: the partner sends a couple of spares. */
export const SPARES = 2;
/** Everyone's shift (store time): the trainer's hours fall inside it. */
export const SHIFT = { from: '09:00', until: '18:00' };

const storeIdOf = (n: number) => `S${String(n).padStart(3, '0')}`;
const numberOf = (storeId: string) => Number(storeId.slice(1));

export interface DemoPerson {
  employeeId: string;
  department: string;
  position: string;
}

/** The store's staff: `R<store>NN`, the first (a department manager) the store's curator. */
export function staffOf(storeId: string): DemoPerson[] {
  const people: DemoPerson[] = [];
  for (const d of DEPARTMENTS)
    for (let i = 0; i < d.people; i++)
      people.push({
        employeeId: `R${storeId.slice(1)}${String(people.length + 1).padStart(2, '0')}`,
        department: d.id,
        position: people.length === 0 ? 'POS-DEPT-01' : d.position,
      });
  return people;
}

export const rosterOf = (storeId: string): RosterEntry[] => staffOf(storeId).map((p) => ({ employeeId: p.employeeId, department: p.department, shift: SHIFT }));

/** The partner's shipment: a phone with its SIM inside for each person, and the spares (IMEIs, ICCIDs and numbers of the store's own). */
export function manifestOf(storeId: string): ManifestRow[] {
  const n = numberOf(storeId);
  return Array.from({ length: staffOf(storeId).length + SPARES }, (_, i) => ({
    imei: makeImei('35840000', n * 1000 + i + 1),
    iccid: makeIccid('8970199', 5_000_000 + n * 1000 + i + 1),
    msisdn: `+79164${String(n).padStart(3, '0')}${String(i + 1).padStart(3, '0')}`,
    serial: `RS${String(n).padStart(3, '0')}N${String(i + 1).padStart(3, '0')}`,
    model: 'Galaxy XCover7',
  }));
}

/** The store's rollout as the API shows it, or undefined when it has none. */
export async function rolloutOf(storeId: string): Promise<RolloutProgress | undefined> {
  const { status, body } = await apiCall<RolloutProgress>('GET', `/stores/${storeId}/rollouts/current`);
  if (status === 404) return undefined;
  if (status !== 200) fail(`GET /stores/${storeId}/rollouts/current answered ${status}: ${JSON.stringify(body)}`);
  return body;
}

/**
 * The demo's rollout now: the first demo store whose rollout is running, or, when none is, the
 * first that has none yet (the one to roll out next).
 */
export async function demoRollout(): Promise<{ storeId: string; progress?: RolloutProgress }> {
  for (let n = DEMO_FLEET.stores + 1; n < 1000; n++) {
    const storeId = storeIdOf(n);
    const progress = await rolloutOf(storeId);
    if (!progress || progress.state !== 'done') return { storeId, progress };
  }
  return fail('every demo store up to S999 has been rolled out: start the demo afresh');
}

/** "in 1 min 5 s" from now. */
export function inTime(at: string | number): string {
  const s = Math.max(0, Math.round((new Date(at).getTime() - Date.now()) / 1000));
  return s < 60 ? `in ${s} s` : `in ${Math.floor(s / 60)} min ${s % 60} s`;
}

/** A clock time on this machine's clock (the demo's sessions are minutes apart). */
export const clockTime = (at: string | number) => new Date(at).toLocaleTimeString('en-GB');
