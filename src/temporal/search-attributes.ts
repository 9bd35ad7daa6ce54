// The custom search attributes phonefleet's workflows set so an operator can find a process in
// the Temporal Web UI by business key (never by personal data). Registered on every server the
// project runs against (src/temporal/server.ts). Pure: importable from workflow code.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const EMPLOYEE_ID = defineSearchAttributeKey('EmployeeId', SearchAttributeType.KEYWORD);
export const STORE_ID = defineSearchAttributeKey('StoreId', SearchAttributeType.KEYWORD);
export const IMEI = defineSearchAttributeKey('Imei', SearchAttributeType.KEYWORD);
/** Where a long process stands (e.g. "waiting-for-stock"), to list every process stuck at one step. */
export const PHASE = defineSearchAttributeKey('Phase', SearchAttributeType.KEYWORD);
/** App releases: the package being released and the release's id. */
export const PACKAGE = defineSearchAttributeKey('Package', SearchAttributeType.KEYWORD);
export const RELEASE_ID = defineSearchAttributeKey('ReleaseId', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [EMPLOYEE_ID, STORE_ID, IMEI, PHASE, PACKAGE, RELEASE_ID] as const;
