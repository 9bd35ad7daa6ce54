// A store's stock: reserving a phone and a SIM for a hire, giving them back, and taking a phone
// the MDM refused out of it.
import type { Db } from '../db/client.ts';
import type { Prisma } from '../db/generated/client.ts';
import { audit } from './audit.ts';
import { IllegalTransition } from './errors.ts';

export type StockReservation = { reserved: true; imei: string; iccid: string } | { reserved: false; missing: ('device' | 'sim')[] };

class OutOfStock extends Error {
  constructor(readonly missing: ('device' | 'sim')[]) {
    super('out of stock');
  }
}

/**
 * Takes one device and one corporate SIM from the store's stock for a hire. A SIM the partner
 * delivered inside a phone (a rollout's shipment: Sim.lastSeenImei) goes with that phone, and no
 * other hire takes it out of a phone still in stock. A repeat finds what it already holds
 * (keyed by the reservation key) and takes only what is missing, so a hire whose phone was
 * quarantined keeps its SIM and gets another phone. The phone and SIM
 * that waited longest in stock go first: a stock item that keeps coming back (a phone the
 * MDM refused used to) cannot be taken by every hire in turn.
 */
export async function reserve(db: Db, { reservationKey, employeeId, storeId }: { reservationKey: string; employeeId: string; storeId: string }): Promise<StockReservation> {
  try {
    return await db.$transaction(async (tx) => {
      const held = await reservedUnder(tx, reservationKey);
      if (held.device && held.sim) return { reserved: true as const, imei: held.device, iccid: held.sim };
      // SKIP LOCKED: a hundred hires in one store reserve different phones in parallel.
      const device = held.device
        ? { imei: held.device }
        : (
            await tx.$queryRaw<{ imei: string }[]>`
            UPDATE "Device" SET state = 'RESERVED', "reservedBy" = ${reservationKey}, "employeeId" = ${employeeId}, "updatedAt" = now()
            WHERE imei = (SELECT imei FROM "Device" WHERE "storeId" = ${storeId} AND state = 'IN_STOCK' ORDER BY "updatedAt", imei LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING imei`
          )[0];
      const sim = held.sim
        ? { iccid: held.sim }
        : (
            await tx.$queryRaw<{ iccid: string }[]>`
            UPDATE "Sim" SET state = 'RESERVED', "reservedBy" = ${reservationKey}, "employeeId" = ${employeeId}, "updatedAt" = now()
            WHERE iccid = (
              SELECT iccid FROM "Sim" s WHERE s."storeId" = ${storeId} AND s.state = 'IN_STOCK'
                AND (s."lastSeenImei" = ${device?.imei ?? null} OR s."lastSeenImei" IS NULL
                  OR NOT EXISTS (SELECT 1 FROM "Device" d WHERE d.imei = s."lastSeenImei" AND d.state = 'IN_STOCK'))
              ORDER BY (s."lastSeenImei" IS NOT DISTINCT FROM ${device?.imei ?? null}) DESC, s."updatedAt", s.iccid LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING iccid`
          )[0];
      const missing = [...(device ? [] : ['device' as const]), ...(sim ? [] : ['sim' as const])];
      if (missing.length) throw new OutOfStock(missing); // rolls back what this attempt took; what was held stays held
      await audit(tx, { action: 'stock.reserved', employeeId, storeId, imei: device!.imei, iccid: sim!.iccid });
      return { reserved: true as const, imei: device!.imei, iccid: sim!.iccid };
    });
  } catch (err) {
    if (err instanceof OutOfStock) return { reserved: false, missing: err.missing };
    throw err;
  }
}

/** Device and SIM held under the key back to the store's stock (nothing held: nothing to undo). */
export async function releaseReservation(db: Db, { reservationKey, employeeId }: { reservationKey: string; employeeId: string }): Promise<void> {
  await db.$transaction(async (tx) => {
    const released = { state: 'IN_STOCK' as const, reservedBy: null, employeeId: null };
    const devices = await tx.device.updateManyAndReturn({ where: { reservedBy: reservationKey }, data: released });
    const sims = await tx.sim.updateManyAndReturn({
      where: { reservedBy: reservationKey },
      data: { ...released, ownerRegistration: 'NONE', ownerRegistrationId: null, ownerRegistrationKey: null },
    });
    if (devices.length || sims.length) {
      await audit(tx, { action: 'stock.released', employeeId, imei: devices[0]?.imei, iccid: sims[0]?.iccid });
    }
  });
}

/**
 * A reserved phone the MDM refused leaves the stock (QUARANTINED) and support is told, so the
 * next hire does not fail on it too. Already quarantined: nothing to do; a phone not held under
 * this reservation (back in stock, another hire's) is refused.
 */
export async function quarantine(
  db: Db,
  { reservationKey, imei, employeeId, reason }: { reservationKey: string; imei: string; employeeId: string; reason: string },
): Promise<void> {
  await db.$transaction(async (tx) => {
    const [device] = await tx.device.updateManyAndReturn({ where: { imei, reservedBy: reservationKey }, data: { state: 'QUARANTINED', reservedBy: null, employeeId: null } });
    if (!device) {
      const now = await tx.device.findUnique({ where: { imei } });
      if (now && now.state !== 'QUARANTINED') throw new IllegalTransition({ device: imei }, 'be quarantined for reservation ' + reservationKey, now.state);
      return; // already quarantined by an earlier attempt
    }
    await audit(tx, { action: 'device.quarantined', employeeId, storeId: device.storeId, imei, details: { reason } });
    const idempotencyKey = `${reservationKey}:quarantine:${imei}`;
    const { count } = await tx.supportTask.createMany({
      data: [
        {
          idempotencyKey,
          storeId: device.storeId,
          employeeId,
          kind: 'device-quarantined',
          summary: `Phone ${imei} was refused by the MDM at enrolment (${reason}); it is out of stock until checked. The hire got another phone.`,
        },
      ],
      skipDuplicates: true,
    });
    if (count) await audit(tx, { action: 'support-task.opened', employeeId, storeId: device.storeId, details: { kind: 'device-quarantined' }, stepKey: idempotencyKey });
  });
}

async function reservedUnder(tx: Prisma.TransactionClient, reservationKey: string): Promise<{ device?: string; sim?: string }> {
  const [device, sim] = await Promise.all([tx.device.findFirst({ where: { reservedBy: reservationKey } }), tx.sim.findFirst({ where: { reservedBy: reservationKey } })]);
  return { device: device?.imei, sim: sim?.iccid };
}
