// Knox Manage's published rate limits, over real HTTP and a real PostgreSQL: the simulator
// enforces them (429, Retry-After 60), phonefleet's fleet-wide budgets keep two workers' traffic
// under them together, a 429 anyway holds every worker back, and OAuth tokens are not asked for
// again and again while Knox Manage is down.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RetryableSystemError } from '../../src/systems/shared/errors.ts';
import { CachedBearerToken } from '../../src/systems/shared/http-client.ts';
import { KnoxManageMdm, type KnoxManageConfig } from '../../src/systems/knox-manage/http.ts';
import { PostgresRequestBudgets } from '../../src/systems/shared/pacing.ts';
import { makeImei } from '../../src/domain/identifiers.ts';
import { KnoxManageSimulator } from '../../src/systems/knox-manage/simulator.ts';
import type { RateLimits } from '../../src/systems/shared/rate-limits.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { admin, failure } from '../support/simulator-calls.ts';

let sim: KnoxManageSimulator;
let database: TestDatabase;
const deviceIds: string[] = [];

beforeAll(async () => {
  sim = new KnoxManageSimulator({ seed: 3 });
  await sim.start();
  for (let i = 0; i < 40; i++) deviceIds.push(sim.registerDevice({ imei: makeImei('35290611', 700_000 + i), serial: `RPACE${i}`, model: 'SM-A546B' }).deviceId);
  database = await createTestDatabase();
});

afterEach(async () => {
  sim.faults.clear();
  sim.calls.reset();
  sim.rateLimiter.limits = null;
  sim.rateLimiter.reset();
  sim.tokens.ttlSeconds = 3600;
  await database.db.prisma.$executeRaw`DELETE FROM "RateBudget"`;
});

afterAll(async () => {
  await sim?.close();
  await database?.drop();
});

const config = (): KnoxManageConfig => ({ baseUrl: sim.url, ...sim.credentials });

async function limitTo(limits: RateLimits): Promise<void> {
  await admin(sim, 'PUT', '/rate-limits', limits);
}

async function rateLimitStats(): Promise<{ refused: { requests: number; deviceCommands: number }; accepted: { requests: number; deviceCommands: number } }> {
  return admin(sim, 'GET', '/rate-limits');
}

/** A worker's Knox Manage adapter, paced by the budgets in the test database. */
function pacedWorker(limits: { requestsPerMinute: number; deviceCommandsPerMinute: number }, maxWaitMs = 30_000): KnoxManageMdm {
  const pacer = new PostgresRequestBudgets(
    database.db.prisma,
    'knox-manage',
    { requests: { perMinute: limits.requestsPerMinute }, 'device-commands': { perMinute: limits.deviceCommandsPerMinute } },
    { maxWaitMs },
  );
  return new KnoxManageMdm({ ...config(), rateLimits: limits, pacer });
}

describe('the Knox Manage simulator enforces the published limits', () => {
  it('answers device commands past the per-minute limit with 429 and Retry-After 60, while other requests still pass', async () => {
    await limitTo({ requestsPerMinute: 20, deviceCommandsPerMinute: 3, retryAfterSeconds: 60 });
    const client = new KnoxManageMdm(config());
    for (let i = 0; i < 3; i++) await client.sendMessage(deviceIds[i]!, { title: 'Hello', body: 'Training on Tuesday' });
    const refused = await failure(client.lockDevice(deviceIds[3]!, { message: 'Locked', phoneNumber: '+7 800 000-00-00' }), RetryableSystemError);
    expect(refused.status).toBe(429);
    expect(refused.retryAfterMs).toBe(60_000);
    // A lookup is no device command: only the overall limit applies to it.
    expect(await client.listCommands(deviceIds[0]!)).toHaveLength(1);
    const stats = await rateLimitStats();
    expect(stats.refused).toEqual({ requests: 0, deviceCommands: 1 });
    // The token request counts against the overall limit too.
    expect(stats.accepted).toEqual({ requests: 5, deviceCommands: 3 });
  });

  it('refuses every request past the overall limit, token requests included', async () => {
    await limitTo({ requestsPerMinute: 3, deviceCommandsPerMinute: 300, retryAfterSeconds: 60 });
    const client = new KnoxManageMdm(config());
    await client.listCommands(deviceIds[0]!); // token + 1
    await client.listCommands(deviceIds[0]!);
    const refused = await failure(client.listCommands(deviceIds[0]!), RetryableSystemError);
    expect(refused.status).toBe(429);
    expect(await failure(new KnoxManageMdm(config()).listCommands(deviceIds[0]!), RetryableSystemError)).toMatchObject({ status: 429 });
    expect((await rateLimitStats()).refused.requests).toBe(2);
  });
});

describe('phonefleet paces its Knox Manage traffic fleet-wide', () => {
  // Scaled down so that the test sends more than a minute's worth in a few seconds: 60 device
  // commands against a limit of 40 a minute, from two workers at once.
  const LIMITS = { requestsPerMinute: 600, deviceCommandsPerMinute: 40 };

  it('two workers sending 60 device commands at once stay within the limit together: no 429', async () => {
    await limitTo({ ...LIMITS, retryAfterSeconds: 60 });
    // Each may wait 15 s for its turn: about 10 go out in that time, the others are turned away.
    const workers = [pacedWorker(LIMITS, 15_000), pacedWorker(LIMITS, 15_000)];
    const sends = Array.from({ length: 60 }, (_, i) => workers[i % 2]!.sendMessage(deviceIds[i % deviceIds.length]!, { title: 'Role changed', body: `Message ${i}` }));
    const outcomes = await Promise.allSettled(sends);
    // What could not get a turn within the wait was turned away with a delay, never sent.
    const turnedAway = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    for (const { reason } of turnedAway) {
      expect(reason).toBeInstanceOf(RetryableSystemError);
      expect((reason as RetryableSystemError).retryAfterMs).toBeGreaterThan(0);
      expect((reason as RetryableSystemError).status).toBeUndefined(); // ours, not the MDM's 429
    }
    const stats = await rateLimitStats();
    expect(stats.refused).toEqual({ requests: 0, deviceCommands: 0 });
    expect(stats.accepted.deviceCommands).toBe(60 - turnedAway.length);
    expect(stats.accepted.deviceCommands).toBeGreaterThanOrEqual(5);
  });

  it('without pacing the same traffic runs into 429s (what the budgets prevent)', async () => {
    await limitTo({ ...LIMITS, retryAfterSeconds: 60 });
    const unpaced = [new KnoxManageMdm(config()), new KnoxManageMdm(config())];
    await Promise.allSettled(Array.from({ length: 60 }, (_, i) => unpaced[i % 2]!.sendMessage(deviceIds[i % deviceIds.length]!, { title: 'Role changed', body: `Message ${i}` })));
    expect((await rateLimitStats()).refused.deviceCommands).toBe(60 - LIMITS.deviceCommandsPerMinute);
  });

  it('a caller whose turn is further off than it may wait gets a retryable error carrying the delay, and takes nothing', async () => {
    const worker = pacedWorker({ requestsPerMinute: 600, deviceCommandsPerMinute: 6 }, 1_000);
    await worker.sendMessage(deviceIds[0]!, { title: 'a', body: 'first' });
    const spent = await failure(worker.sendMessage(deviceIds[1]!, { title: 'b', body: 'second' }), RetryableSystemError);
    expect(spent.message).toContain('device-commands budget spent');
    // 6 a minute paced at 95%: the next turn is about 10.5 s away.
    expect(spent.retryAfterMs).toBeGreaterThan(5_000);
    expect(sim.calls.count('POST /emm/oapi/mdm/commonOTCServiceWrapper/sendDeviceControlForNotification')).toBe(1);
  });

  it('a 429 from Knox Manage holds every worker back for its Retry-After, without another call', async () => {
    const [first, second] = [pacedWorker(LIMITS, 2_000), pacedWorker(LIMITS, 2_000)];
    await first.listCommands(deviceIds[0]!);
    await second.listCommands(deviceIds[0]!);
    // Another client of the same tenant used up the minute.
    sim.faults.configure({ throttleRate: 1, retryAfterSeconds: 60, paths: ['sendDeviceControlFor'] });
    expect(await failure(first.sendMessage(deviceIds[0]!, { title: 'a', body: 'b' }), RetryableSystemError)).toMatchObject({ status: 429, retryAfterMs: 60_000 });
    sim.faults.clear();
    const callsBefore = sim.calls.snapshot();
    const heldBack = await failure(second.sendMessage(deviceIds[1]!, { title: 'a', body: 'b' }), RetryableSystemError);
    expect(heldBack.message).toContain('budget spent');
    expect(heldBack.retryAfterMs).toBeGreaterThan(50_000);
    expect(sim.calls.snapshot()).toEqual(callsBefore);
  });
});

describe('OAuth tokens during a Knox Manage outage', () => {
  it('50 processes retrying through an outage ask for one token, and carry on with one after it', async () => {
    const client = new KnoxManageMdm(config());
    sim.faults.configure({ outage: { down: true } });
    // Each onboarding's activity tries, fails, and the next one tries a little later.
    for (let i = 0; i < 50; i++) {
      await failure(client.listCommands(deviceIds[i % deviceIds.length]!), RetryableSystemError);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(sim.calls.count('POST /emm/oauth/token')).toBe(1);
    sim.faults.clear();
    // The failure is remembered for 2 s (no Retry-After): then one login, and everyone is served.
    await new Promise((r) => setTimeout(r, 2_100));
    await Promise.all(deviceIds.slice(0, 10).map((id) => client.listCommands(id)));
    expect(sim.calls.count('POST /emm/oauth/token')).toBe(2);
  });

  it('a token still valid keeps serving while its renewal fails in an outage', async () => {
    let clock = 0;
    const outcomes: ('token' | 'outage')[] = ['token', 'outage', 'outage', 'token'];
    let logins = 0;
    const token = new CachedBearerToken(
      async () => {
        const outcome = outcomes[logins++];
        if (outcome === 'outage') throw new RetryableSystemError('knox-manage', 'token failed: HTTP 503', undefined, 503);
        return { token: `t${logins}`, expiresInSeconds: 100 };
      },
      () => clock,
    );
    expect(await token.header()).toBe('Bearer t1');
    clock = 95_000; // renewal due (10% early), still valid for 5 s
    expect(await token.header()).toBe('Bearer t1');
    expect(await token.header()).toBe('Bearer t1'); // within the 2 s the failure is remembered: no login
    expect(logins).toBe(2);
    clock = 97_500;
    expect(await token.header()).toBe('Bearer t1'); // asked again, failed again, old token still valid
    expect(logins).toBe(3);
    clock = 99_500; // the old token has expired; the failure is remembered for 4 s now
    await failure(token.header(), RetryableSystemError);
    expect(logins).toBe(3);
    clock = 102_000;
    expect(await token.header()).toBe('Bearer t4');
  });
});
