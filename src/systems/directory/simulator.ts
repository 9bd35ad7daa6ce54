// Directory simulator, Microsoft Graph shaped (Entra ID synced from Active Directory):
//   POST /:tenant/oauth2/v2.0/token  (client credentials)
//   GET  /v1.0/users?$filter=employeeId eq '123'&$select=id,accountEnabled,...
// Accounts appear only after a lag, as in the story where AD accounts sometimes showed up the
// day after HR added the employee: until then the filter answers an empty `value`.
import { randomUUID } from 'node:crypto';
import type { DirectoryUser } from './api.ts';
import { TokenIssuer, clientCredentialsTokenEndpoint, mountTokenAdmin, randomSecret, requireBearer, type ClientCredentials } from '../shared/simulator-auth.ts';
import { Fields, SimHttpError, bodyOf, itemsOf, plainError } from '../shared/request-fields.ts';
import { Simulator, type SimulatorOptions } from '../shared/simulator.ts';

export interface DirectoryAccount extends DirectoryUser {
  /** Epoch ms from which the account is visible through the API. */
  availableAt: number;
}

export interface NewDirectoryAccount {
  employeeId: string;
  id?: string;
  accountEnabled?: boolean;
  onPremisesSamAccountName?: string;
  /** Default: <sam account name>@retailco.example. */
  mail?: string;
  /** Default: the simulator's defaultLagMs. */
  availableAfterMs?: number;
}

export interface DirectorySimulatorOptions extends SimulatorOptions {
  tenant?: string;
  credentials?: ClientCredentials;
  tokenTtlSeconds?: number;
  defaultLagMs?: number;
}

function graphError(status: number, code: string, message: string): SimHttpError {
  return new SimHttpError(status, { error: { code, message } });
}

const badRequest = (message: string): SimHttpError => graphError(400, 'Request_BadRequest', message);

const SELECTABLE = ['id', 'employeeId', 'accountEnabled', 'onPremisesSamAccountName', 'mail'] as const;

/** Only the filter phonefleet sends: `employeeId eq '<value>'` (OData doubles single quotes). */
function employeeIdFilter(filter: string): string | undefined {
  const match = /^\s*employeeId\s+eq\s+'((?:[^']|'')*)'\s*$/.exec(filter);
  return match ? match[1]!.replaceAll("''", "'") : undefined;
}

export interface DirectoryState {
  accounts: DirectoryAccount[];
}

export class DirectorySimulator extends Simulator<DirectoryState> {
  readonly tenant: string;
  readonly credentials: ClientCredentials;
  readonly tokens: TokenIssuer;
  defaultLagMs: number;
  private readonly accounts = new Map<string, DirectoryAccount>();

  constructor(options: DirectorySimulatorOptions = {}) {
    super('directory', options);
    this.tenant = options.tenant ?? 'retailco.onmicrosoft.com';
    this.credentials = options.credentials ?? { clientId: randomUUID(), clientSecret: randomSecret() };
    this.tokens = new TokenIssuer(options.tokenTtlSeconds ?? 3600);
    this.defaultLagMs = options.defaultLagMs ?? 0;
    this.mountAdmin();

    const tokenEndpoint = clientCredentialsTokenEndpoint(this.credentials, this.tokens);
    this.route('post', '/:tenant/oauth2/v2.0/token', (req, res, next) => {
      if (req.params.tenant !== this.tenant) {
        throw new SimHttpError(400, { error: 'invalid_request', error_description: 'AADSTS90002: Tenant not found' });
      }
      tokenEndpoint(req, res, next);
    });

    const authenticated = requireBearer(
      (token) => this.tokens.isValid(token),
      () => graphError(401, 'InvalidAuthenticationToken', 'Access token is empty, invalid or expired'),
    );

    this.route('get', '/v1.0/users', authenticated, (req, res) => {
      const query = Fields.ofQuery(req, badRequest);
      const employeeId = employeeIdFilter(query.string('$filter'));
      if (employeeId === undefined) throw graphError(400, 'Request_UnsupportedQuery', 'Unsupported query');
      const select = (query.optionalString('$select') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const unknown = select.filter((s) => !(SELECTABLE as readonly string[]).includes(s));
      if (unknown.length > 0) throw badRequest(`Could not find a property named '${unknown[0]}'`);
      const account = this.accounts.get(employeeId);
      const visible = account && account.availableAt <= Date.now() ? [account] : [];
      res.json({
        '@odata.context': `${this.url}/v1.0/$metadata#users`,
        value: visible.map((a) => this.userView(a, select)),
      });
    });
  }

  exportState(): DirectoryState {
    return { accounts: [...this.accounts.values()] };
  }

  /** availableAt is a point in time: an account still lagging appears when it was due to. */
  importState(state: DirectoryState): void {
    this.accounts.clear();
    for (const account of state.accounts) this.accounts.set(account.employeeId, account);
  }

  /** Creates the account now; it becomes visible after the lag. */
  addAccount(input: NewDirectoryAccount): DirectoryAccount {
    const account: DirectoryAccount = {
      id: input.id ?? randomUUID(),
      employeeId: input.employeeId,
      accountEnabled: input.accountEnabled ?? true,
      onPremisesSamAccountName: input.onPremisesSamAccountName ?? input.employeeId.toLowerCase(),
      mail: input.mail ?? `${input.onPremisesSamAccountName ?? input.employeeId.toLowerCase()}@retailco.example`,
      availableAt: Date.now() + (input.availableAfterMs ?? this.defaultLagMs),
    };
    this.accounts.set(account.employeeId, account);
    return account;
  }

  account(employeeId: string): DirectoryAccount | undefined {
    return this.accounts.get(employeeId);
  }

  private userView(account: DirectoryAccount, select: string[]): Record<string, unknown> {
    const { availableAt: _hidden, ...user } = account;
    if (select.length === 0) return user;
    return Object.fromEntries(Object.entries(user).filter(([k]) => select.includes(k)));
  }

  private mountAdmin(): void {
    const reject = plainError(400);
    mountTokenAdmin(this.admin, this.tokens);
    this.admin.post('/accounts', (req, res) => {
      const inputs = itemsOf(req).map((item): NewDirectoryAccount => {
        const fields = new Fields(item, reject);
        const input: NewDirectoryAccount = { employeeId: fields.string('employeeId') };
        const id = fields.optionalString('id');
        const sam = fields.optionalString('onPremisesSamAccountName');
        const enabled = fields.optionalBoolean('accountEnabled');
        const lag = fields.optionalNumber('availableAfterMs');
        if (id) input.id = id;
        if (sam) input.onPremisesSamAccountName = sam;
        if (enabled !== undefined) input.accountEnabled = enabled;
        if (lag !== undefined) {
          if (lag < 0) throw reject('availableAfterMs must not be negative');
          input.availableAfterMs = lag;
        }
        return input;
      });
      res.status(201).json(inputs.map((input) => this.addAccount(input)));
    });
    this.admin.get('/accounts/:employeeId', (req, res) => {
      const account = this.accounts.get(req.params.employeeId);
      if (!account) throw new SimHttpError(404, { error: 'unknown account' });
      res.json(account);
    });
    this.admin.put('/config', (req, res) => {
      const lag = new Fields(bodyOf(req), reject).optionalNumber('defaultLagMs');
      if (lag !== undefined) {
        if (lag < 0) throw reject('defaultLagMs must not be negative');
        this.defaultLagMs = lag;
      }
      res.json({ defaultLagMs: this.defaultLagMs });
    });
  }
}
