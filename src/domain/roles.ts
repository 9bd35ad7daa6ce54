// The fleet's 12 roles, one per family of job positions in a DIY hypermarket. A role decides
// which apps a phone carries and which policies the MDM enforces; the HR position of an
// employee decides the role. This is the configuration kept once and applied to both MDMs.
// Pure data: safe to import from workflow code (no Node built-ins).

export type RoleCode =
  | 'CASHIER'
  | 'SALES_ADVISOR'
  | 'DEPARTMENT_MANAGER'
  | 'STORE_MANAGER'
  | 'COMMERCIAL_HEAD'
  | 'WAREHOUSE_OPERATOR'
  | 'RECEIVING_CLERK'
  | 'CUSTOMER_SERVICE'
  | 'SECURITY_AGENT'
  | 'LOGISTICS_MANAGER'
  | 'HR_ADMIN'
  | 'IT_SUPPORT';

/** What the MDM profile of a role enforces on the phone. */
export interface RolePolicies {
  cameraAllowed: boolean;
  /** Automatic OS updates are blocked fleet-wide: the fleet once rushed to update all at once. */
  osUpdates: 'blocked';
  /** Single-purpose phones (till, warehouse scanner) run locked to the corporate launcher. */
  kioskMode: boolean;
  /** Users clutter phones with launchers and themes ("seven problems, one reset"). */
  customLaunchersAllowed: false;
  themesAllowed: false;
  /** Slot 2 holds the employee's personal SIM. */
  personalSimAllowed: true;
  usbFileTransferAllowed: boolean;
  screenLockTimeoutSeconds: number;
}

export interface Role {
  code: RoleCode;
  name: string;
  /** The MDM profile carrying the role's apps and policies (same id in both MDMs). */
  profileId: string;
  policies: RolePolicies;
  /** HR position codes that map to this role. */
  positions: readonly string[];
  /** Package names, all present in APPS. */
  apps: readonly string[];
}

export interface App {
  packageName: string;
  name: string;
  /** Pinned SHA-256 of the signing certificate (DER); a release signed otherwise is refused. */
  signingCertSha256: string;
  /** false: the MDM only announces new versions with a push message; the user installs. */
  autoInstall: boolean;
}

// Corporate apps come out of one Jenkins pipeline signed with one release key: here the
// certificate of the committed sample APKs (test/fixtures/apk, made by scripts/apk-fixtures.ts,
// which prints the new digest to put here when it is run again). The messenger and the social
// network are signed by their vendors (fake digests).
export const RETAILCO_RELEASE_KEY = '9d16d88c75961603404886326231a083ce88b3f77103422b22627758b32ffbe5';
const MESSENGER_VENDOR_KEY = '5ee7949f42ed7442aa38a8151e38d278f185aabdd1d2b81df2700c9151f3c154';
const SOCIAL_VENDOR_KEY = '730dc913ca31177bee489ba6d658e72e377a2ca9e201e4ef14095d79e4440c31';

function corporate(packageName: string, name: string, autoInstall = true): App {
  return { packageName, name, signingCertSha256: RETAILCO_RELEASE_KEY, autoInstall };
}

export const APPS: readonly App[] = [
  corporate('com.retailco.launcher', 'Store Launcher'),
  corporate('com.retailco.stock', 'Stock Lookup'),
  corporate('com.retailco.price', 'Price Check'),
  corporate('com.retailco.labels', 'Shelf Labels'),
  corporate('com.retailco.inventory', 'Inventory Count'),
  corporate('com.retailco.receiving', 'Goods Receiving'),
  corporate('com.retailco.picking', 'Order Picking'),
  corporate('com.retailco.replenishment', 'Replenishment'),
  corporate('com.retailco.pos', 'Mobile Checkout'),
  corporate('com.retailco.payments', 'Card Payments'),
  corporate('com.retailco.loyalty', 'Loyalty Card'),
  corporate('com.retailco.orders', 'Customer Orders'),
  corporate('com.retailco.delivery', 'Delivery Tracking', false),
  corporate('com.retailco.returns', 'Returns and Refunds'),
  corporate('com.retailco.planogram', 'Planograms', false),
  corporate('com.retailco.catalog', 'Product Catalogue'),
  corporate('com.retailco.projects', 'Project Planner', false),
  corporate('com.retailco.schedule', 'Shift Schedule'),
  corporate('com.retailco.tasks', 'Store Tasks'),
  corporate('com.retailco.kpi', 'Store Dashboard', false),
  corporate('com.retailco.hrselfservice', 'HR Self-Service'),
  corporate('com.retailco.training', 'Training', false),
  corporate('com.retailco.incidents', 'Security Incidents'),
  corporate('com.retailco.helpdesk', 'IT Helpdesk'),
  { packageName: 'io.teamchat.messenger', name: 'Messenger', signingCertSha256: MESSENGER_VENDOR_KEY, autoInstall: true },
  { packageName: 'io.workplace.social', name: 'Corporate Social Network', signingCertSha256: SOCIAL_VENDOR_KEY, autoInstall: true },
];

/** Every phone carries these, whatever the role. */
const BASELINE_APPS = [
  'com.retailco.launcher',
  'com.retailco.schedule',
  'com.retailco.hrselfservice',
  'com.retailco.training',
  'com.retailco.helpdesk',
  'io.teamchat.messenger',
  'io.workplace.social',
] as const;

const SALES_FLOOR_APPS = ['com.retailco.stock', 'com.retailco.price', 'com.retailco.catalog'] as const;

function policies(overrides: Partial<Pick<RolePolicies, 'cameraAllowed' | 'kioskMode' | 'usbFileTransferAllowed' | 'screenLockTimeoutSeconds'>>): RolePolicies {
  return {
    cameraAllowed: true,
    osUpdates: 'blocked',
    kioskMode: false,
    customLaunchersAllowed: false,
    themesAllowed: false,
    personalSimAllowed: true,
    usbFileTransferAllowed: false,
    screenLockTimeoutSeconds: 300,
    ...overrides,
  };
}

function role(code: RoleCode, name: string, positions: string[], apps: string[], rolePolicies: RolePolicies): Role {
  return {
    code,
    name,
    profileId: `profile-${code.toLowerCase().replaceAll('_', '-')}`,
    policies: rolePolicies,
    positions,
    apps: [...BASELINE_APPS, ...apps],
  };
}

export const ROLES: readonly Role[] = [
  role(
    'CASHIER',
    'Cashier',
    ['POS-CASH-01', 'POS-CASH-02'],
    ['com.retailco.pos', 'com.retailco.payments', 'com.retailco.loyalty', 'com.retailco.price', 'com.retailco.returns'],
    policies({ cameraAllowed: false, kioskMode: true, screenLockTimeoutSeconds: 60 }),
  ),
  role(
    'SALES_ADVISOR',
    'Sales advisor',
    ['POS-SALE-01', 'POS-SALE-02', 'POS-SALE-03'],
    [...SALES_FLOOR_APPS, 'com.retailco.labels', 'com.retailco.orders', 'com.retailco.projects', 'com.retailco.loyalty', 'com.retailco.tasks'],
    policies({}),
  ),
  role(
    'DEPARTMENT_MANAGER',
    'Department manager',
    ['POS-DEPT-01', 'POS-DEPT-02'],
    [...SALES_FLOOR_APPS, 'com.retailco.labels', 'com.retailco.inventory', 'com.retailco.replenishment', 'com.retailco.planogram', 'com.retailco.tasks', 'com.retailco.kpi'],
    policies({}),
  ),
  role(
    'STORE_MANAGER',
    'Store manager',
    ['POS-STOR-01', 'POS-STOR-02'],
    [...SALES_FLOOR_APPS, 'com.retailco.kpi', 'com.retailco.tasks', 'com.retailco.incidents', 'com.retailco.orders'],
    policies({ usbFileTransferAllowed: true }),
  ),
  role(
    'COMMERCIAL_HEAD',
    'Head of commercial sector',
    ['POS-COMM-01'],
    [...SALES_FLOOR_APPS, 'com.retailco.kpi', 'com.retailco.tasks', 'com.retailco.planogram', 'com.retailco.replenishment', 'com.retailco.orders'],
    policies({ usbFileTransferAllowed: true }),
  ),
  role(
    'WAREHOUSE_OPERATOR',
    'Warehouse operator',
    ['POS-WHSE-01', 'POS-WHSE-02'],
    ['com.retailco.stock', 'com.retailco.picking', 'com.retailco.replenishment', 'com.retailco.inventory'],
    policies({ cameraAllowed: false, kioskMode: true }),
  ),
  role(
    'RECEIVING_CLERK',
    'Receiving clerk',
    ['POS-RECV-01', 'POS-RECV-02'],
    ['com.retailco.stock', 'com.retailco.receiving', 'com.retailco.inventory', 'com.retailco.labels'],
    policies({ kioskMode: true }),
  ),
  role(
    'CUSTOMER_SERVICE',
    'Customer service',
    ['POS-CUST-01', 'POS-CUST-02'],
    ['com.retailco.stock', 'com.retailco.orders', 'com.retailco.delivery', 'com.retailco.returns', 'com.retailco.loyalty', 'com.retailco.payments'],
    policies({}),
  ),
  role('SECURITY_AGENT', 'Security agent', ['POS-SECU-01', 'POS-SECU-02'], ['com.retailco.incidents', 'com.retailco.tasks'], policies({ screenLockTimeoutSeconds: 60 })),
  role(
    'LOGISTICS_MANAGER',
    'Logistics manager',
    ['POS-LOGI-01', 'POS-LOGI-02'],
    ['com.retailco.stock', 'com.retailco.receiving', 'com.retailco.picking', 'com.retailco.delivery', 'com.retailco.replenishment', 'com.retailco.kpi'],
    policies({}),
  ),
  role(
    'HR_ADMIN',
    'HR administrator',
    ['POS-HRAD-01', 'POS-HRAD-02'],
    ['com.retailco.tasks', 'com.retailco.kpi'],
    policies({ cameraAllowed: false, screenLockTimeoutSeconds: 60 }),
  ),
  role('IT_SUPPORT', 'IT support', ['POS-ITSU-01'], ['com.retailco.stock', 'com.retailco.tasks', 'com.retailco.incidents'], policies({ usbFileTransferAllowed: true })),
];

/** Human titles of the HR position codes (for demos and messages; HR remains the source). */
export const POSITION_TITLES: Readonly<Record<string, string>> = {
  'POS-CASH-01': 'Cashier',
  'POS-CASH-02': 'Head cashier',
  'POS-SALE-01': 'Sales advisor',
  'POS-SALE-02': 'Senior sales advisor',
  'POS-SALE-03': 'Kitchen and bathroom project advisor',
  'POS-DEPT-01': 'Department manager',
  'POS-DEPT-02': 'Deputy department manager',
  'POS-STOR-01': 'Store director',
  'POS-STOR-02': 'Deputy store director',
  'POS-COMM-01': 'Head of commercial sector',
  'POS-WHSE-01': 'Warehouse operator',
  'POS-WHSE-02': 'Forklift driver',
  'POS-RECV-01': 'Receiving clerk',
  'POS-RECV-02': 'Goods receipt controller',
  'POS-CUST-01': 'Customer service agent',
  'POS-CUST-02': 'Click and collect agent',
  'POS-SECU-01': 'Security agent',
  'POS-SECU-02': 'Loss prevention officer',
  'POS-LOGI-01': 'Logistics manager',
  'POS-LOGI-02': 'Supply planner',
  'POS-HRAD-01': 'HR administrator',
  'POS-HRAD-02': 'Payroll officer',
  'POS-ITSU-01': 'IT support technician',
};

export const KNOWN_POSITIONS: readonly string[] = ROLES.flatMap((r) => r.positions);

const ROLE_BY_POSITION: ReadonlyMap<string, Role> = new Map(ROLES.flatMap((r) => r.positions.map((p) => [p, r] as const)));
const ROLE_BY_CODE: ReadonlyMap<string, Role> = new Map(ROLES.map((r) => [r.code, r]));
const APP_BY_PACKAGE: ReadonlyMap<string, App> = new Map(APPS.map((a) => [a.packageName, a]));

/** The role an HR position maps to; undefined for a position nobody configured yet. */
export function roleForPosition(position: string): Role | undefined {
  return ROLE_BY_POSITION.get(position);
}

export function roleByCode(code: string): Role | undefined {
  return ROLE_BY_CODE.get(code);
}

export function appByPackage(packageName: string): App | undefined {
  return APP_BY_PACKAGE.get(packageName);
}
