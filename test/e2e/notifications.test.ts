// Notifications that arrive: a hire's "phone ready" notice reaches the curator by e-mail (the
// SMTP simulator, over SMTP) and on the curator's corporate phone (an MDM push message), from the
// outbox the joiner's notice writes. Outages are retried with backoff and delivered once; an
// attempt that dies after the other side took the message sends nothing new.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notificationDeliveryWorkflowId, notificationsEnqueued, startNotificationDelivery } from '../../workflows/notification-delivery-contract.ts';
import { eventually, hireEvent, startHarness, storeToday, type Harness } from '../support/harness.ts';
import { simAdmin, type SimAdmin } from '../support/sim-admin.ts';

let h: Harness;
let sim: SimAdmin;
const STORE = 'S001';

interface Mail {
  messageId: string;
  to: string[];
  subject: string;
  text: string;
  accepted: number;
}

beforeAll(async () => {
  h = await startHarness();
  sim = simAdmin(h.sims);
  // The deliverer with test timings: retries after 5 s (the production default is 30 s growing
  // to 6 h). 5 s is more than the 11 s-late MDM answer below leaves after the adapter's 10 s.
  await h.client.workflow
    .getHandle(notificationDeliveryWorkflowId(h.taskQueue))
    .terminate('replaced with test timings')
    .catch(() => undefined);
  await startNotificationDelivery(h.client, h.taskQueue, { pollIntervalMs: 2_000, backoff: { firstMs: 5_000, maxMs: 10_000 } });
});
afterAll(async () => h?.close());

const curator = () => {
  const id = h.fleet.stores.find((s) => s.id === STORE)!.curatorId!;
  return { id, mail: `${h.fleet.employees.find((e) => e.employeeId === id)!.samAccountName}@retailco.example` };
};

async function mailbox(): Promise<Mail[]> {
  const res = await fetch(`${h.sims.urls.smtp}/_sim/messages`);
  expect(res.status).toBe(200);
  return (await res.json()) as Mail[];
}

async function smtpFaults(path: 'faults' | 'smtp-faults', body: object | null) {
  const res = await fetch(`${h.sims.urls.smtp}/_sim/${path}`, {
    method: body ? 'PUT' : 'DELETE',
    headers: { 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  expect(res.ok).toBe(true);
}

/** Hires someone into S001 and returns the phone-ready notification once it is written. */
async function hireUntilPhoneReady() {
  const employeeId = h.newEmployeeId();
  const position = h.fleet.employees[0].position;
  const startDate = storeToday(h.fleet, STORE);
  await sim.addHrEmployee({ employeeId, storeId: STORE, position, startDate, documentNumber: `DOC-${employeeId}` });
  await sim.addDirectoryAccount(employeeId, 0);
  expect((await h.sendHrEvent(hireEvent(employeeId, STORE, position, { startDate, displayName: 'Nora Example' }))).status).toBe(202);
  const notification = await eventually(() => h.db.notification.findFirst({ where: { kind: 'phone-ready', employeeId } }).then((n) => n ?? undefined), 'the phone-ready notice');
  return { employeeId, notification };
}

const delivery = (notificationId: number, channel: 'email' | 'phone') =>
  h.db.notificationDelivery.findUniqueOrThrow({ where: { notificationId_channel: { notificationId, channel } } });

async function delivered(notificationId: number, channel: 'email' | 'phone') {
  return eventually(async () => {
    const d = await delivery(notificationId, channel);
    return d.status === 'SENT' ? d : undefined;
  }, `the ${channel} delivery of notification ${notificationId}`);
}

async function curatorPhoneMessages(employeeId: string) {
  const phone = await h.db.device.findFirstOrThrow({ where: { employeeId: curator().id, state: 'IN_USE' } });
  return (await sim.mdmDevice(phone.imei)).messages.filter((m) => m.body.includes(employeeId));
}

describe('notifications: delivered by e-mail and to the phone', () => {
  it("a hire's phone-ready notice reaches the curator's mailbox and corporate phone, once each", async () => {
    const { employeeId, notification } = await hireUntilPhoneReady();

    const email = await delivered(notification.id, 'email');
    const mail = (await mailbox()).find((m) => m.messageId === email.providerRef);
    expect(mail).toMatchObject({ to: [curator().mail], accepted: 1 });
    expect(mail!.text).toContain(employeeId);
    expect(mail!.text).not.toContain('Nora'); // the notice never carries the name
    expect(email.attempts).toBe(1);

    const push = await delivered(notification.id, 'phone');
    expect(push.attempts).toBe(1);
    const onPhone = await curatorPhoneMessages(employeeId);
    expect(onPhone).toHaveLength(1);
    expect(onPhone[0].title).toMatch(/RetailCo/);

    // The rows hold no address.
    const rows = await h.db.notificationDelivery.findMany({ where: { notificationId: notification.id } });
    expect(JSON.stringify(rows)).not.toContain(curator().mail);
  });

  it('an SMTP outage is recorded, retried with backoff and delivered later, exactly once', async () => {
    await smtpFaults('faults', { outage: { down: true } });
    const { employeeId, notification } = await hireUntilPhoneReady();
    // The failure is recorded on the e-mail delivery, which waits; the phone is not held up.
    const failed = await eventually(async () => {
      const d = await delivery(notification.id, 'email');
      return d.status === 'PENDING' && d.attempts >= 1 && d.lastError ? d : undefined;
    }, 'the failed first attempt recorded');
    expect(failed.lastError).toMatch(/421/);
    expect(failed.nextAttemptAt.getTime()).toBeGreaterThan(Date.now() - 1_000);
    await delivered(notification.id, 'phone');

    await smtpFaults('faults', null);
    const email = await delivered(notification.id, 'email');
    expect(email.attempts).toBeGreaterThanOrEqual(2);
    const copies = (await mailbox()).filter((m) => m.text.includes(employeeId));
    expect(copies).toEqual([expect.objectContaining({ messageId: email.providerRef, accepted: 1 })]);
  });

  it('an attempt cut off after the other side took the message sends nothing new', async () => {
    // E-mail: the relay keeps the message, then the connection drops before its 250.
    // Phone: Knox Manage takes the push 11 s late, after the adapter gave up at 10 s.
    await smtpFaults('smtp-faults', { dropAfterData: 1 });
    await sim.faults('knoxManage', { latencyMs: 11_000, paths: ['ForNotification'] });
    const pushesBefore = await sim.callCount('knoxManage', 'ForNotification');
    try {
      const { employeeId, notification } = await hireUntilPhoneReady();

      const email = await delivered(notification.id, 'email');
      expect(email.attempts).toBe(2);
      expect(email.lastError).toBeTruthy(); // the cut-off attempt is on record
      // Sent again with the same Message-ID: the mailbox holds one message (the copy counted).
      const copies = (await mailbox()).filter((m) => m.text.includes(employeeId));
      expect(copies).toEqual([expect.objectContaining({ messageId: email.providerRef, accepted: 2 })]);

      const push = await delivered(notification.id, 'phone');
      expect(push.attempts).toBe(2);
      // The retry found the push in the MDM's command list and did not send it again.
      expect(await curatorPhoneMessages(employeeId)).toHaveLength(1);
      expect((await sim.callCount('knoxManage', 'ForNotification')) - pushesBefore).toBe(1);
    } finally {
      await sim.faults('knoxManage', null);
    }
  });
});

describe('notifications: a refusal is not retried', () => {
  it('a mailbox the relay refuses (550) is recorded FAILED after one attempt; the phone still gets it', async () => {
    await smtpFaults('smtp-faults', { rejectRecipients: true });
    try {
      const { employeeId, notification } = await hireUntilPhoneReady();
      const failed = await eventually(async () => {
        const d = await delivery(notification.id, 'email');
        return d.status === 'FAILED' ? d : undefined;
      }, 'the refused e-mail recorded');
      expect(failed).toMatchObject({ attempts: 1, sentAt: null });
      expect(failed.lastError).toMatch(/550 at RCPT TO/);
      expect(failed.lastError).not.toContain('@'); // the address is never recorded
      await delivered(notification.id, 'phone');
      expect((await mailbox()).filter((m) => m.text.includes(employeeId))).toEqual([]);
    } finally {
      await smtpFaults('smtp-faults', {});
    }
  });
});

describe('notifications: a deliverer that died between the send and its mark', () => {
  it('finds the delivery SENDING and sends no second mail or push', async () => {
    const { employeeId, notification } = await hireUntilPhoneReady();
    const email = await delivered(notification.id, 'email');
    await delivered(notification.id, 'phone');
    const pushesBefore = await sim.callCount('knoxManage', 'ForNotification');

    // What a worker killed after both sends and before both SENT marks leaves behind.
    await h.db.notificationDelivery.updateMany({ where: { notificationId: notification.id }, data: { status: 'SENDING', sentAt: null } });
    await h.client.workflow.getHandle(notificationDeliveryWorkflowId(h.taskQueue)).signal(notificationsEnqueued);

    const again = await eventually(async () => {
      const d = await delivery(notification.id, 'email');
      return d.status === 'SENT' && d.attempts === 2 ? d : undefined;
    }, 'the e-mail delivery taken up again');
    await eventually(async () => {
      const d = await delivery(notification.id, 'phone');
      return d.status === 'SENT' && d.attempts === 2 ? d : undefined;
    }, 'the phone delivery taken up again');

    // The mail went again with its Message-ID: one message in the mailbox.
    expect(again.providerRef).toBe(email.providerRef);
    const copies = (await mailbox()).filter((m) => m.text.includes(employeeId));
    expect(copies).toEqual([expect.objectContaining({ messageId: email.providerRef, accepted: 2 })]);
    // The push ledger says it went: nothing sent to the MDM.
    expect((await sim.callCount('knoxManage', 'ForNotification')) - pushesBefore).toBe(0);
    expect(await curatorPhoneMessages(employeeId)).toHaveLength(1);
  });
});
