// The corporate directory (Active Directory synced to Entra ID), Microsoft Graph shaped.
// An account can appear a day or more after the employee was added to HR.

export interface DirectoryUser {
  id: string;
  employeeId: string;
  accountEnabled: boolean;
  onPremisesSamAccountName?: string;
  /** The mailbox (Graph `mail`): personal data, used at send time only, never stored. */
  mail?: string;
}

export interface DirectoryApi {
  /** `GET /v1.0/users?$filter=employeeId eq '...'`; null while the account does not exist yet. */
  findUserByEmployeeId(employeeId: string): Promise<DirectoryUser | null>;
}
