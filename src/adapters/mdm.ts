// The MDM as phonefleet sees it. Knox Manage is the primary implementation; a second provider
// sits behind the same interface (the story ran two MDMs at once).

export type MdmProviderName = 'KNOX_MANAGE' | 'SECOND_MDM';

export interface MdmDevice {
  /** The MDM's own device id (Knox Manage `deviceId`). */
  deviceId: string;
  imei: string;
  serial: string;
  model: string;
  /** ICCID the MDM agent reports for the SIM in slot 1 (may be absent until first check-in). */
  iccid?: string;
  /** Directory user id the device is assigned to, if any. */
  userId?: string;
  profileId?: string;
  online: boolean;
  lastSeenAt?: string;
}

export interface MdmMessage {
  title: string;
  body: string;
}

export interface MdmProvider {
  readonly name: MdmProviderName;
  /** null when the MDM does not know the IMEI (the partner has not registered it). */
  findDeviceByImei(imei: string): Promise<MdmDevice | null>;
  /** Assign the device to a directory user. Setting the same user again is a no-op. */
  assignUser(deviceId: string, userId: string): Promise<void>;
  /** Remove the user assignment (back to a stock device). No-op when unassigned. */
  unassignUser(deviceId: string): Promise<void>;
  /** Apply a profile (the role's apps and policies). Same profile again is a no-op. */
  applyProfile(deviceId: string, profileId: string): Promise<void>;
  /** Push a message to the phone (Knox Manage `...ForNotification`). */
  sendMessage(deviceId: string, message: MdmMessage): Promise<void>;
}

export interface MdmDevicePage {
  devices: MdmDevice[];
  total: number;
}

/**
 * The MDM's device inventory, page by page (SIM reconciliation joins the agent-reported ICCIDs
 * with the operator's data). Kept apart from MdmProvider so test doubles need not implement it.
 */
export interface MdmDeviceInventory {
  /** pageNumber is 1-based. */
  listDevices(page: { pageNumber: number; pageSize: number }): Promise<MdmDevicePage>;
}
