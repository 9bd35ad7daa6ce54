// Runs the simulators on their own, on fixed ports, seeded with a demo fleet, and prints the
// environment that points phonefleet at them:  npx tsx src/systems/run-simulators.ts
//   SIM_HOST (127.0.0.1), SIM_BASE_PORT (7101: knoxManage, then +1 each in SIMULATOR_NAMES
//   order), SIM_SEED (1), FLEET_STORES (3, 0 = no fleet), FLEET_EMPLOYEES_PER_STORE (20),
//   FLEET_STOCK_PER_STORE (10). Credentials come from the same variables the adapters read
//   (KNOX_MANAGE_CLIENT_ID, ...) when set, else are generated. Knox Manage enforces its
//   published rate limits (PUT /_sim/rate-limits on its admin API changes them).
import { generateFleet, seedSimulators } from './fleet.ts';
import { KNOX_MANAGE_PUBLISHED_LIMITS } from './shared/rate-limits.ts';
import { DEMO_OPERATOR_LIMITS } from './operator/limits.ts';
import { SIMULATOR_NAMES, environmentOf, externalSystemsFromSimulators, simulatorCredentialsFromEnv, startSimulators } from './index.ts';

type Env = Record<string, string | undefined>;

function intFrom(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
}

async function main(env: Env): Promise<void> {
  const basePort = intFrom(env, 'SIM_BASE_PORT', 7101);
  const ports = Object.fromEntries(SIMULATOR_NAMES.map((n, i) => [n, basePort + i]));
  const running = await startSimulators({
    ...(env.SIM_HOST ? { host: env.SIM_HOST } : {}),
    ports,
    seed: intFrom(env, 'SIM_SEED', 1),
    credentials: simulatorCredentialsFromEnv(env),
    // Knox Manage as published (change with PUT /_sim/rate-limits on its admin API).
    knoxManageRateLimits: KNOX_MANAGE_PUBLISHED_LIMITS,
    // Control Center's limits and a realistic latency (change with PUT /_sim/rate-limits).
    operatorLimits: DEMO_OPERATOR_LIMITS,
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

  // Simulator credentials only (generated or given): the lines to export for phonefleet.
  console.log(
    Object.entries(environmentOf(externalSystemsFromSimulators(running)))
      .map(([name, value]) => `${name}=${value}`)
      .join('\n'),
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
