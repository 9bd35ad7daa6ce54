// The leasing partner's shipment for a store rollout, taken into the fleet (issue 10 §2): each
// phone registered in the store's MDM (in the store's group), its SIM checked with the operator
// (the ICCID must carry the number the manifest says), and both put into the store's stock, the
// SIM recorded in its phone (the partner inserted it: a hire gets the pair). The manifest was
// checked as a whole before the rollout started; what only the operator or the MDM can say is
// found here, per phone, and keeps only that phone out of stock.
import type { Db } from '../db/client.ts';
import type { OperatorApi } from '../systems/operator/api.ts';
import type { Mdm, MdmProviderName } from '../systems/shared/mdm-api.ts';
import { audit } from '../inventory/audit.ts';
import type { ManifestRow } from './manifest.ts';

/** What the partner's delivery note says of the whole shipment. */
export interface ShipmentTerms {
  /** The leasing contract the phones come under. */
  leaseContract: string;
  /** YYYY-MM-DD: the extended warranty's end. */
  warrantyUntil: string;
  /** The mobile operator of the SIMs inside. */
  operator: string;
}

export type PhoneRegistration = { imei: string; registered: true } | { imei: string; registered: false; reason: string };

/**
 * One phone of the shipment into the fleet. Safe to repeat: the MDM registers by IMEI, moving to
 * the group is a no-op there, and the stock rows are written once (the audit with them).
 */
export async function registerShipmentPhone(
  db: Db,
  systems: { operator: OperatorApi; mdm: Record<MdmProviderName, Mdm> },
  { storeId, phone, terms }: { storeId: string; phone: ManifestRow; terms: ShipmentTerms },
): Promise<PhoneRegistration> {
  const known = await db.device.findUnique({ where: { imei: phone.imei }, select: { storeId: true } });
  if (known && known.storeId !== storeId) return { imei: phone.imei, registered: false, reason: `already a phone of store ${known.storeId}` };
  const sim = await systems.operator.getSim(phone.iccid);
  if (!sim) return { imei: phone.imei, registered: false, reason: `the operator does not know SIM ${phone.iccid}` };
  if (sim.msisdn && sim.msisdn.replace(/^\+/, '') !== phone.msisdn.replace(/^\+/, ''))
    return { imei: phone.imei, registered: false, reason: `the operator has another number for SIM ${phone.iccid} than the manifest's ${phone.msisdn}` };
  const store = await db.store.findUniqueOrThrow({ where: { id: storeId }, select: { mdmProvider: true } });
  const mdm = systems.mdm[store.mdmProvider];
  const device = await mdm.register({ imei: phone.imei, serial: phone.serial, model: phone.model, iccid: phone.iccid });
  await mdm.moveToGroup(device.deviceId, storeId);
  await db.$transaction(async (tx) => {
    const { count } = await tx.device.createMany({
      data: [
        {
          imei: phone.imei,
          serial: phone.serial,
          model: phone.model,
          storeId,
          mdmProvider: store.mdmProvider,
          mdmDeviceId: device.deviceId,
          leaseContract: terms.leaseContract,
          warrantyUntil: new Date(`${terms.warrantyUntil}T00:00:00Z`),
        },
      ],
      skipDuplicates: true,
    });
    // The SIM is in this phone (lastSeenImei): reserving the phone for a hire takes this SIM with it.
    await tx.sim.createMany({
      data: [{ iccid: phone.iccid, msisdn: phone.msisdn, operator: terms.operator, storeId, lastSeenImei: phone.imei, lastSeenAt: new Date() }],
      skipDuplicates: true,
    });
    if (count) await audit(tx, { action: 'rollout.phone-registered', storeId, imei: phone.imei, iccid: phone.iccid, stepKey: `shipment:${phone.imei}` });
  });
  return { imei: phone.imei, registered: true };
}
