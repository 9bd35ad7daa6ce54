// Search attributes operators use to find a process in the Temporal Web UI. Never personal
// data: ids, codes and IMEIs only. Registered on the server by src/temporal/server.ts.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const EmployeeId = defineSearchAttributeKey('EmployeeId', SearchAttributeType.KEYWORD);
export const StoreId = defineSearchAttributeKey('StoreId', SearchAttributeType.KEYWORD);
export const Imei = defineSearchAttributeKey('Imei', SearchAttributeType.KEYWORD);
/** Where a process stands (e.g. "awaiting-stock"): lets support list every stuck hire of a store. */
export const Phase = defineSearchAttributeKey('Phase', SearchAttributeType.KEYWORD);
/** App releases: the package being released and the release's id. */
export const Package = defineSearchAttributeKey('Package', SearchAttributeType.KEYWORD);
export const ReleaseId = defineSearchAttributeKey('ReleaseId', SearchAttributeType.KEYWORD);
/** A release's versionCode, and the ring it is in (1-based). */
export const VersionCode = defineSearchAttributeKey('VersionCode', SearchAttributeType.INT);
export const Ring = defineSearchAttributeKey('Ring', SearchAttributeType.INT);

/** Every attribute above: what src/temporal/server.ts registers on each server. */
export const SEARCH_ATTRIBUTES = [EmployeeId, StoreId, Imei, Phase, Package, ReleaseId, VersionCode, Ring] as const;
