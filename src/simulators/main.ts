// Runs the simulators on their own, on fixed ports, seeded with a demo fleet, and prints the
// environment that points phonefleet at them:  npx tsx src/simulators/main.ts
//   SIM_HOST (127.0.0.1), SIM_BASE_PORT (7101: knoxManage, then +1 each in SIMULATOR_NAMES
//   order), SIM_SEED (1), FLEET_STORES (3, 0 = no fleet), FLEET_EMPLOYEES_PER_STORE (20),
//   FLEET_STOCK_PER_STORE (10). Credentials come from the same variables the adapters read
//   (KNOX_MANAGE_CLIENT_ID, ...) when set, else are generated. Knox Manage enforces its
//   published rate limits (PUT /_sim/rate-limits on its admin API changes them).
import { generateFleet, seedSimulators } from './fleet.ts';
import { KNOX_MANAGE_PUBLISHED_LIMITS } from './rate-limits.ts';
import { SIMULATOR_NAMES, startSimulators, type SimulatorCredentials, type SimulatorName } from './index.ts';

type Env = Record<string, string | undefined>;

function intFrom(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
}

/** Credentials fixed by the environment, so a restart keeps phonefleet's configuration valid. */
function credentialsFrom(env: Env): Partial<SimulatorCredentials> {
  const c: Partial<SimulatorCredentials> = {};
  if (env.KNOX_MANAGE_CLIENT_ID && env.KNOX_MANAGE_CLIENT_SECRET) c.knoxManage = { clientId: env.KNOX_MANAGE_CLIENT_ID, clientSecret: env.KNOX_MANAGE_CLIENT_SECRET };
  if (env.SECOND_MDM_LOGIN && env.SECOND_MDM_PASSWORD) c.secondMdm = { login: env.SECOND_MDM_LOGIN, password: env.SECOND_MDM_PASSWORD };
  if (env.OPERATOR_USER && env.OPERATOR_API_KEY) c.operator = { user: env.OPERATOR_USER, apiKey: env.OPERATOR_API_KEY };
  if (env.HR_TOKEN) c.hr = { token: env.HR_TOKEN };
  if (env.DIRECTORY_TENANT && env.DIRECTORY_CLIENT_ID && env.DIRECTORY_CLIENT_SECRET) {
    c.directory = { tenant: env.DIRECTORY_TENANT, clientId: env.DIRECTORY_CLIENT_ID, clientSecret: env.DIRECTORY_CLIENT_SECRET };
  }
  if (env.KNOX_GUARD_API_TOKEN) c.knoxGuard = { apiToken: env.KNOX_GUARD_API_TOKEN };
  if (env.LEASE_PARTNER_TOKEN) c.leasePartner = { token: env.LEASE_PARTNER_TOKEN };
  return c;
}

async function main(env: Env): Promise<void> {
  const basePort = intFrom(env, 'SIM_BASE_PORT', 7101);
  const ports = Object.fromEntries(SIMULATOR_NAMES.map((n, i) => [n, basePort + i])) as Record<SimulatorName, number>;
  const running = await startSimulators({
    ...(env.SIM_HOST ? { host: env.SIM_HOST } : {}),
    ports,
    seed: intFrom(env, 'SIM_SEED', 1),
    credentials: credentialsFrom(env),
    // Knox Manage as published (change with PUT /_sim/rate-limits on its admin API).
    knoxManageRateLimits: KNOX_MANAGE_PUBLISHED_LIMITS,
  });

  const stores = intFrom(env, 'FLEET_STORES', 3);
  if (stores > 0) {
    const fleet = generateFleet({
      stores,
      employeesPerStore: intFrom(env, 'FLEET_EMPLOYEES_PER_STORE', 20),
      stockPerStore: intFrom(env, 'FLEET_STOCK_PER_STORE', 10),
      seed: intFrom(env, 'SIM_SEED', 1),
    });
    await seedSimulators(running, fleet);
    console.log(`seeded ${fleet.stores.length} stores, ${fleet.employees.length} employees, ${fleet.devices.length} phones`);
  }

  const { urls, credentials: c } = running;
  // Simulator credentials only (generated or given): the lines to export for phonefleet.
  console.log(
    [
      `KNOX_MANAGE_URL=${urls.knoxManage}`,
      `KNOX_MANAGE_CLIENT_ID=${c.knoxManage.clientId}`,
      `KNOX_MANAGE_CLIENT_SECRET=${c.knoxManage.clientSecret}`,
      `SECOND_MDM_URL=${urls.secondMdm}`,
      `SECOND_MDM_LOGIN=${c.secondMdm.login}`,
      `SECOND_MDM_PASSWORD=${c.secondMdm.password}`,
      `OPERATOR_URL=${urls.operator}`,
      `OPERATOR_USER=${c.operator.user}`,
      `OPERATOR_API_KEY=${c.operator.apiKey}`,
      `HR_URL=${urls.hr}`,
      `HR_TOKEN=${c.hr.token}`,
      `DIRECTORY_URL=${urls.directory}`,
      `DIRECTORY_TENANT=${c.directory.tenant}`,
      `DIRECTORY_CLIENT_ID=${c.directory.clientId}`,
      `DIRECTORY_CLIENT_SECRET=${c.directory.clientSecret}`,
      `KNOX_GUARD_URL=${urls.knoxGuard}`,
      `KNOX_GUARD_API_TOKEN=${c.knoxGuard.apiToken}`,
      `LEASE_PARTNER_URL=${urls.leasePartner}`,
      `LEASE_PARTNER_TOKEN=${c.leasePartner.token}`,
    ].join('\n'),
  );
  console.log('admin API: <url>/_sim/... (faults, calls, devices, sims, registrations, employees, accounts, cases); Ctrl-C to stop');

  const stop = async (): Promise<void> => {
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main(process.env).catch((err: unknown) => {
  console.error(`simulators: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
