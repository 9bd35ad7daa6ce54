// Directory adapter, Microsoft Graph: OAuth2 client credentials at the tenant's token
// endpoint, then `GET /v1.0/users?$filter=employeeId eq '...'`. An empty answer means the
// account does not exist yet (AD accounts can appear a day after the HR record).
import { HttpClient, oauthClientCredentials } from '../shared/http-client.ts';
import type { DirectoryApi, DirectoryUser } from './api.ts';

export interface GraphDirectoryConfig {
  /** Graph base, e.g. https://graph.microsoft.com (the /v1.0 paths are appended). */
  baseUrl: string;
  /** Login authority, e.g. https://login.microsoftonline.com; default: baseUrl (simulator). */
  authorityUrl?: string;
  tenant: string;
  clientId: string;
  clientSecret: string;
  timeoutMs?: number;
}

const SYSTEM = 'directory';
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

interface GraphUser {
  id: string;
  employeeId?: string | null;
  accountEnabled?: boolean | null;
  onPremisesSamAccountName?: string | null;
  mail?: string | null;
}

/** OData string literal: single quotes are doubled. */
function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export class GraphDirectory implements DirectoryApi {
  private readonly http: HttpClient;

  constructor(config: GraphDirectoryConfig) {
    const timeout = config.timeoutMs ? { timeoutMs: config.timeoutMs } : {};
    const authority = (config.authorityUrl ?? config.baseUrl).replace(/\/+$/, '');
    const auth = oauthClientCredentials({
      system: SYSTEM,
      tokenUrl: `${authority}/${encodeURIComponent(config.tenant)}/oauth2/v2.0/token`,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      scope: GRAPH_SCOPE,
      ...timeout,
    });
    this.http = new HttpClient({ system: SYSTEM, baseUrl: config.baseUrl, auth, ...timeout });
  }

  async findUserByEmployeeId(employeeId: string): Promise<DirectoryUser | null> {
    const answer = await this.http.request<{ value?: GraphUser[] }>({
      operation: 'listUsers',
      method: 'GET',
      path: '/v1.0/users',
      query: {
        $filter: `employeeId eq ${odataString(employeeId)}`,
        $select: 'id,employeeId,accountEnabled,onPremisesSamAccountName,mail',
      },
    });
    const user = answer?.value?.[0];
    if (!user) return null;
    const found: DirectoryUser = { id: user.id, employeeId: user.employeeId ?? employeeId, accountEnabled: user.accountEnabled === true };
    if (user.onPremisesSamAccountName) found.onPremisesSamAccountName = user.onPremisesSamAccountName;
    if (user.mail) found.mail = user.mail;
    return found;
  }
}
