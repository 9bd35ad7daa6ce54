// Onboarding end to end: signed HR CloudEvent -> HTTP API -> real Temporal dev server ->
// worker -> simulators over HTTP -> PostgreSQL, and back through the API.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { makeIccid, makeImei } from '../../src/domain/identifiers.ts';
import { employeeWorkflowId } from '../../workflows/employee-lifecycle.ts';
import { joinerWorkflowId } from '../../workflows/joiner.ts';
import { eventually, hireEvent, rescindEvent, startHarness, storeToday, type Harness } from '../support/harness.ts';
import { recording, saveHistories } from '../support/histories.ts';
import { readableText } from '../support/history-payloads.ts';
import { simAdmin, type SimAdmin } from '../support/sim-admin.ts';

let h: Harness;
let sim: SimAdmin;
const STORE = 'S001';
const POSITION = () => h.fleet.employees[0].position;

beforeAll(async () => {
  h = await startHarness();
  sim = simAdmin(h.sims);
});
afterAll(async () => h?.close());

/** A person HR has hired: known to HR (with identity data) and, after `directoryLagMs`, to the directory. */
async function newHire(opts: { directoryLagMs?: number; documentNumber?: string; store?: string } = {}) {
  const employeeId = h.newEmployeeId();
  const storeId = opts.store ?? STORE;
  await sim.addHrEmployee({ employeeId, storeId, position: POSITION(), startDate: today(storeId), documentNumber: opts.documentNumber ?? `DOC-${employeeId}` });
  await sim.addDirectoryAccount(employeeId, opts.directoryLagMs ?? 0);
  return { employeeId, storeId };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function employee(employeeId: string): Promise<any> {
  const res = await h.call('GET', `/employees/${employeeId}`);
  return res.status === 200 ? await res.json() : undefined;
}

async function stage(employeeId: string, wanted: string, timeoutMs?: number) {
  return eventually(
    async () => {
      const e = await employee(employeeId);
      return e?.onboarding?.stage === wanted ? e : undefined;
    },
    `${employeeId} to reach stage ${wanted}`,
    timeoutMs,
  );
}

function today(storeId = STORE) {
  return storeToday(h.fleet, storeId);
}

describe('joiner: a hire gets a phone', () => {
  it('hire -> phone enrolled for the role, curator told, handed over on day one', async () => {
    const { employeeId } = await newHire();
    const res = await h.sendHrEvent(hireEvent(employeeId, STORE, POSITION(), { displayName: 'Anna Example', startDate: today() }));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: true, workflowId: employeeWorkflowId(employeeId) });

    const ready = await stage(employeeId, 'awaiting-handover');
    const { imei, iccid, directoryUserId, roleCode } = ready.onboarding;
    expect(directoryUserId).toBeTruthy();

    // The MDM has the device assigned to the employee's account, with the role's profile.
    const role = await h.db.role.findUniqueOrThrow({ where: { code: roleCode } });
    const mdmDevice = await sim.mdmDevice(imei);
    expect(mdmDevice).toMatchObject({ userId: directoryUserId, profileId: role.profileId });
    // The operator accepted the SIM owner; identity data was read from HR once.
    expect(await h.db.sim.findUniqueOrThrow({ where: { iccid } })).toMatchObject({ ownerRegistration: 'ACCEPTED', state: 'RESERVED', employeeId });
    expect(await sim.identityReads(employeeId)).toBe(1);
    // The curator was told which phone to hand to whom; the stored message holds no name.
    const notice = await eventually(async () => {
      const inbox = await (await h.call('GET', `/stores/${STORE}/notifications`)).json();
      return inbox.notifications.find((n: { kind: string; message: string }) => n.kind === 'phone-ready' && n.message.includes(employeeId));
    }, 'the phone-ready notice in the inbox');
    expect(notice.message).toContain(imei);
    expect(notice.message).not.toContain('Anna');
    expect(
      (await eventually(() => h.db.notification.findFirst({ where: { kind: 'phone-ready', message: { contains: employeeId } } }).then((n) => n ?? undefined), 'the stored notice'))
        .message,
    ).not.toContain('Example');
    // The SIM works: activated at the operator before the curator heard the phone is ready.
    expect((await h.sims.operator.sims.get(iccid))?.status).toBe('ACTIVATED');
    // The MDM command ran on the MDM queue (paced to its command budget), the rest on the workflow's own.
    const scheduled = (await h.client.workflow.getHandle(joinerWorkflowId(employeeId)).fetchHistory()).events!.flatMap((e) =>
      e.activityTaskScheduledEventAttributes ? [[e.activityTaskScheduledEventAttributes.activityType!.name!, e.activityTaskScheduledEventAttributes.taskQueue!.name!]] : [],
    );
    expect(Object.fromEntries(scheduled)).toMatchObject({ enrolDevice: `${h.taskQueue}-mdm`, reserveDeviceAndSim: h.taskQueue });

    expect((await h.call('POST', `/devices/${imei}/handover`, { employeeId })).status).toBe(202);
    const done = await eventually(async () => {
      const e = await employee(employeeId);
      return e?.lifecycle?.status === 'active' ? e : undefined;
    }, 'employee active');
    expect(done.employee).toMatchObject({ status: 'ACTIVE', handoverDay: 1 });
    expect(done.employee.devices).toEqual([expect.objectContaining({ imei, state: 'IN_USE' })]);
    expect(done.employee.sims).toEqual([expect.objectContaining({ iccid, state: 'IN_USE', ownerRegistration: 'ACCEPTED' })]);
    // A second confirmation (double scan at the counter) changes nothing.
    const again = await h.call('POST', `/devices/${imei}/handover`, { employeeId });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ alreadyHandedOver: true });
    if (recording) {
      await saveHistories(h.client, joinerWorkflowId(employeeId), 'joiner-handed-over');
      await saveHistories(h.client, employeeWorkflowId(employeeId), 'lifecycle-hired');
    }
  });

  it('directory account a day late: support is told once, the hire waits and then completes', async () => {
    const { employeeId } = await newHire({ directoryLagMs: 5_000 }); // policy escalates after 2 s
    expect((await h.sendHrEvent(hireEvent(employeeId, STORE, POSITION()))).status).toBe(202);
    const waiting = await stage(employeeId, 'awaiting-directory-account');
    expect(waiting.onboarding.imei).toBeUndefined(); // nothing reserved while there is no account

    await eventually(async () => (await openTasks('directory-account-missing', employeeId)).length === 1, 'support task for the missing account');
    const ready = await stage(employeeId, 'awaiting-handover');
    expect(ready.onboarding.escalations).toContain('directory-account-missing');
    expect(await openTasks('directory-account-missing', employeeId)).toHaveLength(1);
    if (recording) await saveHistories(h.client, joinerWorkflowId(employeeId), 'joiner-directory-late');
  });

  it('out of stock: the curator is told; a delivery wakes the hire at once', async () => {
    const storeId = 'S002';
    await h.db.device.updateMany({ where: { storeId, state: 'IN_STOCK' }, data: { state: 'RETIRED' } });
    await h.db.sim.updateMany({ where: { storeId, state: 'IN_STOCK' }, data: { state: 'RETIRED' } });
    const { employeeId } = await newHire({ store: storeId });
    expect((await h.sendHrEvent(hireEvent(employeeId, storeId, POSITION()))).status).toBe(202);

    // The stage shows before the first look at the stock has answered: wait for what it found.
    const waiting = await eventually(async () => {
      const e = await employee(employeeId);
      return e?.onboarding?.stage === 'awaiting-stock' && e.onboarding.missingStock ? e : undefined;
    }, 'the hire waiting for stock');
    expect(waiting.onboarding.missingStock).toEqual(['device', 'sim']);
    await eventually(async () => {
      const inbox = await (await h.call('GET', `/stores/${storeId}/notifications`)).json();
      return inbox.notifications.some((n: { kind: string; message: string }) => n.kind === 'out-of-stock' && n.message.includes(employeeId));
    }, 'the curator told');

    // The partner delivers one phone (registered in the MDM) and one SIM.
    const imei = makeImei('35000000', '900001');
    const iccid = makeIccid('8970199', 900000001);
    await sim.registerMdmDevice(storeId, h.fleet, { imei, serial: 'SN-DELIVERY-1', model: 'Galaxy XCover 4', iccid });
    await sim.addOperatorSim({ iccid, msisdn: '79990000001' });
    const delivered = await h.call('POST', `/stores/${storeId}/stock`, {
      devices: [{ imei, serial: 'SN-DELIVERY-1', model: 'Galaxy XCover 4', leaseContract: 'LC-2026-1', warrantyUntil: '2029-12-31' }],
      sims: [{ iccid, msisdn: '79990000001', operator: 'retail-mobile' }],
    });
    expect(delivered.status).toBe(201);
    expect((await delivered.json()).hiresWoken).toBe(1);
    // stockRetryInterval is 10 minutes: only the delivery signal can make this quick.
    const ready = await stage(employeeId, 'awaiting-handover', 30_000);
    expect(ready.onboarding).toMatchObject({ imei, iccid });
    if (recording) await saveHistories(h.client, joinerWorkflowId(employeeId), 'joiner-out-of-stock');
  });

  it('operator rejects the SIM owner registration: clear state, a support task, retry after the fix', async () => {
    const documentNumber = `REJECT-${Date.now()}`;
    const { employeeId } = await newHire({ documentNumber });
    await sim.rejectDocuments([documentNumber], 'document number does not match the holder');
    expect((await h.sendHrEvent(hireEvent(employeeId, STORE, POSITION()))).status).toBe(202);

    const rejected = await stage(employeeId, 'sim-owner-rejected');
    expect(rejected.onboarding.simOwnerRegistration).toMatchObject({ status: 'REJECTED', reason: 'document number does not match the holder' });
    expect(await h.db.sim.findUniqueOrThrow({ where: { iccid: rejected.onboarding.iccid } })).toMatchObject({ ownerRegistration: 'REJECTED', state: 'RESERVED' });
    // The stage shows before the support task is opened: wait for it.
    const [task] = await eventually(async () => {
      const tasks = await openTasks('sim-owner-registration-rejected', employeeId);
      return tasks.length > 0 ? tasks : undefined;
    }, 'the support task for the rejected registration');
    expect(task.summary).toContain('document number does not match the holder');
    expect(task.summary).not.toContain(documentNumber); // identity data stays out of support tickets

    // Support fixes the identity data in HR, then retries.
    await sim.rejectDocuments([], '');
    expect((await h.call('POST', `/employees/${employeeId}/sim-owner-registration/retry`)).status).toBe(202);
    const ready = await stage(employeeId, 'awaiting-handover');
    expect(ready.onboarding.simOwnerRegistration.status).toBe('ACCEPTED');
    if (recording) await saveHistories(h.client, joinerWorkflowId(employeeId), 'joiner-sim-owner-rejected-then-retried');
  });

  it('hire rescinded mid-way: stock released, registration withdrawn, MDM assignment removed', async () => {
    const { employeeId } = await newHire();
    expect((await h.sendHrEvent(hireEvent(employeeId, STORE, POSITION()))).status).toBe(202);
    const ready = await stage(employeeId, 'awaiting-handover');
    const { imei, iccid, simOwnerRegistration } = ready.onboarding;

    expect((await h.sendHrEvent(rescindEvent(employeeId))).status).toBe(202);
    const gone = await eventually(async () => {
      const e = await employee(employeeId);
      return e?.lifecycle?.status === 'rescinded' ? e : undefined;
    }, 'lifecycle rescinded');
    expect(gone.onboarding.stage).toBe('rescinded');
    expect(gone.employee.status).toBe('RESCINDED');

    expect(await h.db.device.findUniqueOrThrow({ where: { imei } })).toMatchObject({ state: 'IN_STOCK', employeeId: null, reservedBy: null });
    expect(await h.db.sim.findUniqueOrThrow({ where: { iccid } })).toMatchObject({ state: 'IN_STOCK', employeeId: null, reservedBy: null });
    expect(await h.db.device.count({ where: { employeeId } })).toBe(0);
    expect(await sim.registrationStatus(simOwnerRegistration.registrationId)).toBe('WITHDRAWN');
    expect((await sim.mdmDevice(imei)).userId ?? null).toBeNull();
    // The lifecycle is over: a later rescission has nothing to act on.
    expect((await h.sendHrEvent(rescindEvent(employeeId))).status).toBe(422);
    if (recording) {
      await saveHistories(h.client, joinerWorkflowId(employeeId), 'joiner-rescinded');
      await saveHistories(h.client, employeeWorkflowId(employeeId), 'lifecycle-rescinded');
    }
  });

  it('hire rescinded while waiting for the directory: nothing was reserved, nothing is left', async () => {
    const { employeeId } = await newHire({ directoryLagMs: 600_000 });
    await h.sendHrEvent(hireEvent(employeeId, STORE, POSITION()));
    await stage(employeeId, 'awaiting-directory-account');
    expect((await h.sendHrEvent(rescindEvent(employeeId))).status).toBe(202);
    await stage(employeeId, 'rescinded');
    expect(await h.db.device.count({ where: { OR: [{ employeeId }, { reservedBy: joinerWorkflowId(employeeId) }] } })).toBe(0);
    expect(await h.db.sim.count({ where: { OR: [{ employeeId }, { reservedBy: joinerWorkflowId(employeeId) }] } })).toBe(0);
  });

  it('an MDM outage during onboarding: the process waits, then completes after it', async () => {
    await sim.faults('knoxManage', { outage: { down: true } });
    try {
      const { employeeId } = await newHire();
      await h.sendHrEvent(hireEvent(employeeId, STORE, POSITION()));
      await stage(employeeId, 'enrolling-device');
      await new Promise((r) => setTimeout(r, 3_000));
      expect((await employee(employeeId)).onboarding.stage).toBe('enrolling-device'); // still waiting, not failed
      await sim.faults('knoxManage', null);
      await stage(employeeId, 'awaiting-handover', 90_000);
      if (recording) await saveHistories(h.client, joinerWorkflowId(employeeId), 'joiner-mdm-outage');
    } finally {
      await sim.faults('knoxManage', null);
    }
  });
});

/** The idempotency key of an onboarding's first owner registration: its first run id + the step. */
async function firstRegistrationKey(employeeId: string) {
  const { runId } = await h.client.workflow.getHandle(joinerWorkflowId(employeeId)).describe();
  return `${runId}:sim-owner:1`;
}

const registrationByKey = (key: string) => h.sims.operator.registrationSummaries().find((r) => r.idempotencyKey === key);

describe('joiner: exactly once, and undone however it is interrupted', () => {
  it('rescission while the owner registration call is in flight: the registration is withdrawn, the stock released', async () => {
    // The operator answers after the client gave up: the registration exists, the joiner never heard of it.
    await sim.faults('operator', { latencyMs: 11_000, paths: ['owner-registrations'] });
    try {
      const { employeeId } = await newHire();
      await h.sendHrEvent(hireEvent(employeeId, STORE, POSITION()));
      const registering = await stage(employeeId, 'registering-sim-owner');
      const { imei, iccid } = registering.onboarding;
      expect((await h.sendHrEvent(rescindEvent(employeeId))).status).toBe(202);
      const key = await firstRegistrationKey(employeeId);
      const made = await eventually(async () => registrationByKey(key), 'the slow registration reaching the operator', 30_000);
      await sim.faults('operator', null);

      await eventually(async () => (await employee(employeeId))?.lifecycle?.status === 'rescinded', 'lifecycle rescinded', 90_000);
      expect(await sim.registrationStatus(made.registrationId)).toBe('WITHDRAWN');
      expect(await h.db.device.findUniqueOrThrow({ where: { imei } })).toMatchObject({ state: 'IN_STOCK', employeeId: null, reservedBy: null });
      expect(await h.db.sim.findUniqueOrThrow({ where: { iccid } })).toMatchObject({ state: 'IN_STOCK', employeeId: null, reservedBy: null });
      if (recording) await saveHistories(h.client, joinerWorkflowId(employeeId), 'joiner-v2-rescinded-during-registration');
    } finally {
      await sim.faults('operator', null);
    }
  });

  it('a submission whose answer was lost: the retry finds it; identity data read from HR and sent once', async () => {
    await sim.faults('operator', { latencyMs: 11_000, paths: ['owner-registrations'] });
    let employeeId: string;
    try {
      ({ employeeId } = await newHire());
      await h.sendHrEvent(hireEvent(employeeId, STORE, POSITION()));
      await stage(employeeId, 'registering-sim-owner');
      const key = await firstRegistrationKey(employeeId);
      await eventually(async () => registrationByKey(key), 'the slow registration reaching the operator', 30_000);
    } finally {
      await sim.faults('operator', null);
    }
    const ready = await stage(employeeId, 'awaiting-handover', 90_000);
    expect(ready.onboarding.simOwnerRegistration.status).toBe('ACCEPTED');
    expect(await sim.identityReads(employeeId)).toBe(1);
    expect(h.sims.operator.registrationSummaries().filter((r) => r.iccid === ready.onboarding.iccid && r.status !== 'WITHDRAWN')).toHaveLength(1);
    expect(
      await h.db.auditLog.count({
        where: {
          action: 'sim-owner.submitted',
          iccid: ready.onboarding.iccid,
          details: { path: ['registrationId'], equals: ready.onboarding.simOwnerRegistration.registrationId },
        },
      }),
    ).toBe(1);
  });

  it('the audit log holds each action of an onboarding once, also when the operator decides at once', async () => {
    h.sims.operator.setRegistrationPolicy({ decideAfterMs: 0 });
    try {
      const { employeeId } = await newHire();
      await h.sendHrEvent(hireEvent(employeeId, STORE, POSITION()));
      const ready = await stage(employeeId, 'awaiting-handover');
      const { imei, iccid } = ready.onboarding;
      expect((await h.call('POST', `/devices/${imei}/handover`, { employeeId })).status).toBe(202);
      await eventually(async () => (await employee(employeeId))?.lifecycle?.status === 'active', 'employee active');
      const rows = await h.db.auditLog.findMany({ where: { OR: [{ employeeId }, { iccid }, { imei }] } });
      const counts: Record<string, number> = {};
      for (const r of rows) counts[r.action] = (counts[r.action] ?? 0) + 1;
      expect(counts).toMatchObject({
        'employee.hired': 1,
        'stock.reserved': 1,
        'sim-owner.submitted': 1,
        'sim-owner.accepted': 1, // accepted in the submission's own answer: logged all the same
        'device.enrolled': 1,
        'device.handed-over': 1,
      });
      expect((counts['sim.activated'] ?? 0) + (counts['sim.resumed'] ?? 0)).toBe(1);
    } finally {
      h.sims.operator.setRegistrationPolicy({ decideAfterMs: 200 });
    }
  });

  it('undo is best effort: an undo that cannot be done becomes one support task; every other undo is done', async () => {
    const { employeeId } = await newHire();
    await h.sendHrEvent(hireEvent(employeeId, STORE, POSITION()));
    const ready = await stage(employeeId, 'awaiting-handover');
    const { imei, iccid, simOwnerRegistration } = ready.onboarding;
    await sim.faults('knoxManage', { outage: { down: true } }); // the MDM assignment cannot be removed
    try {
      expect((await h.sendHrEvent(rescindEvent(employeeId))).status).toBe(202);
      await stage(employeeId, 'rescinded', 120_000);
    } finally {
      await sim.faults('knoxManage', null);
    }
    const tasks = await openTasks('onboarding-undo-incomplete', employeeId);
    expect(tasks).toHaveLength(1);
    expect(tasks[0].summary).toContain(`remove the MDM user assignment of phone ${imei}`);
    // The undos after the failed one were still done.
    expect(await sim.registrationStatus(simOwnerRegistration.registrationId)).toBe('WITHDRAWN');
    expect((await h.sims.operator.sims.get(iccid))?.status).toBe('SUSPENDED');
    expect(await h.db.sim.findUniqueOrThrow({ where: { iccid } })).toMatchObject({ state: 'IN_STOCK', reservedBy: null });
  });

  it('a stock SIM suspended at the operator (handed in by a leaver) is resumed before the curator hears the phone is ready', async () => {
    const stock = await h.db.sim.findMany({ where: { storeId: STORE, state: 'IN_STOCK' } });
    for (const s of stock) h.sims.operator.setStatus(h.sims.operator.sims.get(s.iccid)!, 'SUSPENDED');
    const { employeeId } = await newHire();
    await h.sendHrEvent(hireEvent(employeeId, STORE, POSITION()));
    const ready = await stage(employeeId, 'awaiting-handover');
    const { iccid } = ready.onboarding;
    expect((await h.sims.operator.sims.get(iccid))?.status).toBe('ACTIVATED');
    const resumed = await h.db.auditLog.findFirstOrThrow({ where: { action: 'sim.resumed', iccid } });
    // The stage shows before the notice is written: wait for it.
    const notice = await eventually(
      () => h.db.notification.findFirst({ where: { kind: 'phone-ready', message: { contains: `employee ${employeeId} (` } } }).then((n) => n ?? undefined),
      'the phone-ready notice',
    );
    expect(resumed.at.getTime()).toBeLessThanOrEqual(notice.createdAt.getTime());
    if (recording) await saveHistories(h.client, joinerWorkflowId(employeeId), 'joiner-v2-sim-resumed');
  });
});

describe('HR webhook: bad and repeated input', () => {
  it('a redelivered event is answered the same and nothing new happens', async () => {
    const { employeeId } = await newHire({ directoryLagMs: 600_000 });
    const event = hireEvent(employeeId, STORE, POSITION());
    const first = await h.sendHrEvent(event);
    const second = await h.sendHrEvent(event); // HR's retry: new webhook-id, same CloudEvent id
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(await second.json()).toEqual(await first.json());
    expect(await h.db.hrEvent.count({ where: { employeeId } })).toBe(1);
    const e = await stage(employeeId, 'awaiting-directory-account');
    expect(e.lifecycle.outcomes).toHaveLength(0);
    expect(e.lifecycle.pendingEvents).toBe(0);
    // The same event id sent straight to the workflow (a race past the receipt) is dropped too.
    const history = await h.client.workflow.getHandle(employeeWorkflowId(employeeId)).fetchHistory();
    const signals = history.events!.filter((ev) => ev.workflowExecutionSignaledEventAttributes);
    expect(signals).toHaveLength(1);
  });

  it('a bad signature is refused with 401: no receipt, no workflow', async () => {
    const employeeId = h.newEmployeeId();
    const res = await h.sendHrEvent(hireEvent(employeeId, STORE, POSITION()), { secret: 'whsec_' + Buffer.from('not-the-hr-secret').toString('base64') });
    expect(res.status).toBe(401);
    expect((await res.json()).error).toContain('signature');
    const stale = await h.sendHrEvent(hireEvent(employeeId, STORE, POSITION()), { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect(stale.status).toBe(401);
    await expectNothingHappened(employeeId);
  });

  it('a malformed event is refused with 400 naming the fields; an unknown store or position with 422', async () => {
    const employeeId = h.newEmployeeId();
    const bad = hireEvent(employeeId, STORE, POSITION());
    const malformed = { ...bad, specversion: '2.0', data: { ...bad.data, startDate: '01/12/2026' } };
    const res = await h.sendHrEvent(malformed);
    expect(res.status).toBe(400);
    expect((await res.json()).problems.map((p: { field: string }) => p.field)).toEqual(['specversion', 'data.startDate']);

    const unknown = await h.sendHrEvent(hireEvent(employeeId, 'S999', 'POS-NOPE'));
    expect(unknown.status).toBe(422);
    expect((await unknown.json()).problems.map((p: { field: string }) => p.field)).toEqual(['data.storeId', 'data.position']);
    await expectNothingHappened(employeeId);
  });

  it('operator endpoints refuse requests without the bearer token', async () => {
    const res = await fetch(`${h.api}/employees/E000001`);
    expect(res.status).toBe(401);
  });
});

describe('personal data', () => {
  it('names and identity data never reach Temporal in clear, nor search attributes or ids', async () => {
    const documentNumber = `PASS-${Date.now()}`;
    const { employeeId } = await newHire({ documentNumber });
    await h.sendHrEvent(hireEvent(employeeId, STORE, POSITION(), { displayName: 'Olga Privatename' }));
    await stage(employeeId, 'awaiting-handover');

    // Read the histories as the server stores them: a client without the codec.
    const raw = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }), namespace: h.namespace });
    for (const id of [employeeWorkflowId(employeeId), joinerWorkflowId(employeeId)]) {
      const handle = raw.workflow.getHandle(id);
      // The stored bytes themselves, not JSON.stringify (where payload bytes are numbers and no
      // name is ever found); every payload is checked in test/e2e/personal-data.test.ts.
      const bytes = readableText(await handle.fetchHistory());
      expect(bytes).not.toContain('Olga');
      expect(bytes).not.toContain(documentNumber);
      expect(id).not.toContain('Olga');
      const description = await handle.describe();
      expect(JSON.stringify(description.raw.workflowExecutionInfo?.searchAttributes)).not.toContain('Olga');
    }

    // An operator with a token sees the payload through the Web UI's codec endpoint.
    const history = await raw.workflow.getHandle(joinerWorkflowId(employeeId)).fetchHistory();
    const [input] = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads!;
    const asJson = {
      metadata: Object.fromEntries(Object.entries(input.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(input.data!).toString('base64'),
    };
    const decoded = await h.call('POST', '/codec/decode', { payloads: [asJson] });
    expect(decoded.status).toBe(200);
    const [plain] = (await decoded.json()).payloads;
    expect(JSON.parse(Buffer.from(plain.data, 'base64').toString())).toMatchObject({ employeeId, hire: { displayName: 'Olga Privatename' } });
    // Without a token nobody decrypts, even from the Web UI's origin in token mode.
    const anonymous = await fetch(`${h.api}/codec/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:8233' },
      body: JSON.stringify({ payloads: [asJson] }),
    });
    expect(anonymous.status).toBe(401);
    // The browser's preflight from the UI origin is answered with CORS headers.
    const preflight = await fetch(`${h.api}/codec/decode`, { method: 'OPTIONS', headers: { origin: 'http://localhost:8233' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    await raw.connection.close();
  });
});

async function openTasks(kind: string, employeeId: string) {
  const { tasks } = await (await h.call('GET', '/support-tasks?status=OPEN')).json();
  return tasks.filter((t: { kind: string; employeeId: string }) => t.kind === kind && t.employeeId === employeeId);
}

async function expectNothingHappened(employeeId: string) {
  expect(await h.db.hrEvent.count({ where: { employeeId } })).toBe(0);
  await expect(h.client.workflow.getHandle(employeeWorkflowId(employeeId)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}
