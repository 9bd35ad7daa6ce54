// Notifications that arrive. A notification row (what the curator or an employee is told) is
// written together with one outbox row per channel (e-mail, the person's corporate phone); the
// notification-delivery workflow calls deliverNotifications, which sends what is due.
//
// Never twice: each delivery row is marked SENDING (committed) before its send and SENT after.
// A row found SENDING at the start of a pass belongs to an attempt that died between the two:
// there is only one deliverer (one workflow, one pass at a time), so nobody else is sending it.
// - phone: the push goes through the device command ledger (DeviceCommand, keyed by the
//   delivery), which looks the message up in the MDM's command list before sending it again;
// - e-mail: SMTP cannot be asked what it received, so the message is sent again with the SAME
//   Message-ID (derived from the notification): the mailbox keeps one message per Message-ID
//   (RFC 5322 §3.6.4), the second copy is dropped. Only that window (the relay took the message,
//   the SENT mark did not land) sends again; every other retry finds SENT and sends nothing.
//
// Personal data: rows and payloads hold employee ids only. The address and the phone are
// resolved here, at send time (directory, inventory + MDM), and never logged or stored; errors
// are recorded as their classification (system, stage, code), never the server's text.
import { createHash } from 'node:crypto';
import { Context, activityInfo, heartbeat } from '@temporalio/activity';
import type { Prisma } from '../src/db/generated/client.ts';
import { PermanentSystemError, RetryableSystemError } from '../src/systems/shared/errors.ts';
import { messageLanguage } from '../src/domain/phone-messages.ts';
import { notificationDeliveryWorkflowId, notificationsEnqueued, type DeliveryPass, type NotificationDeliveryInput } from '../workflows/notification-delivery-contract.ts';
import type { ActivityDeps } from './deps.ts';
import { managedPhone, sendOnce } from './device-commands.ts';

export const CHANNELS = ['email', 'phone'] as const;
/** The release team: a mailbox of the configuration (RELEASE_TEAM_EMAIL), not a person of the directory. */
export const RELEASE_TEAM = 'release-team';
export type Channel = (typeof CHANNELS)[number];

export interface NotificationRequest {
  idempotencyKey: string;
  storeId: string;
  /** "curator" (the store's curator), RELEASE_TEAM (the team's mailbox, e-mail only) or an employee id. */
  recipient: string;
  kind: string;
  /** Never a name or other personal data: it is stored. */
  message: string;
  /** Whom it is about. */
  employeeId?: string;
  /** Default both: e-mail and the recipient's corporate phone (a daily summary may want e-mail only). */
  channels?: readonly Channel[];
}

/**
 * Writes a notification and its outbox rows, once per idempotency key, inside `tx` (the caller's
 * transaction: the notification, its deliveries and the caller's audit row commit together).
 * Returns whether it was new. After the commit, call wakeNotificationDelivery().
 * Daily summaries and any later process tell people through this.
 */
export async function enqueueNotification(tx: Prisma.TransactionClient, { channels = CHANNELS, ...notice }: NotificationRequest): Promise<boolean> {
  const { count } = await tx.notification.createMany({ data: [notice], skipDuplicates: true });
  if (!count) return false;
  const { id } = await tx.notification.findUniqueOrThrow({ where: { idempotencyKey: notice.idempotencyKey }, select: { id: true } });
  await tx.notificationDelivery.createMany({ data: channels.map((channel) => ({ notificationId: id, channel })), skipDuplicates: true });
  return true;
}

/**
 * Tells the deliverer that rows were written. Best effort, bounded: when Temporal is slow or the
 * deliverer is not running, its poll finds the rows anyway; the caller's activity must not fail
 * or wait for it.
 */
export async function wakeNotificationDelivery(): Promise<void> {
  let client;
  let taskQueue;
  try {
    client = Context.current().client;
    taskQueue = activityInfo().taskQueue;
  } catch {
    return; // outside an activity, or a worker without a client: the poll will do
  }
  const signalled = client.workflow
    .getHandle(notificationDeliveryWorkflowId(taskQueue))
    .signal(notificationsEnqueued)
    .catch(() => undefined);
  await Promise.race([signalled, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
}

/** What the subject and the phone's title say, by kind and the store's language. */
function titleOf(kind: string, language: string | undefined, companyName: string): string {
  const ru = messageLanguage(language) === 'ru';
  const titles: Record<string, [string, string]> = {
    'phone-ready': ['Телефон для нового сотрудника готов', 'Phone for a new employee is ready'],
    'out-of-stock': ['Нет телефона или SIM-карты для нового сотрудника', 'No phone or SIM in stock for a new employee'],
    'release-halted': ['Выпуск приложения остановлен', 'A release halted'],
    'training-invitation': ['Обучение: ваш рабочий телефон', 'Training: your work phone'],
  };
  const [inRussian, inEnglish] = titles[kind] ?? ['Сообщение phonefleet', 'phonefleet notice'];
  return `${companyName}: ${ru ? inRussian : inEnglish}`;
}

/** The e-mail's Message-ID: the same for every attempt of one notification. */
export function messageIdOf(notification: { id: number; idempotencyKey: string }): string {
  const digest = createHash('sha256').update(notification.idempotencyKey).digest('hex').slice(0, 20);
  return `<notification-${notification.id}.${digest}@phonefleet>`;
}

type Outcome = { status: 'SENT'; providerRef: string | null } | { status: 'SKIPPED'; reason: string };

/** What is recorded of a failure: never the server's text or an address. */
function describe(err: unknown): string {
  if (err instanceof RetryableSystemError || err instanceof PermanentSystemError) return `${err.name}: ${err.message}`.slice(0, 300);
  const e = err as { name?: string; type?: string };
  return `${e.type ?? e.name ?? 'Error'}`.slice(0, 300);
}

function isPermanent(err: unknown): boolean {
  if (err instanceof PermanentSystemError) return true;
  return (err as { nonRetryable?: boolean }).nonRetryable === true;
}

export function createNotificationActivities(deps: ActivityDeps) {
  const { db } = deps;

  async function recipientOf(notification: { recipient: string; storeId: string }): Promise<string | null> {
    if (notification.recipient !== 'curator') return notification.recipient;
    const store = await db.store.findUnique({ where: { id: notification.storeId }, select: { curatorId: true } });
    return store?.curatorId ?? null;
  }

  async function sendEmail(n: NotificationRow, employeeId: string, title: string): Promise<Outcome> {
    const user = await deps.directory.findUserByEmployeeId(employeeId);
    const to = user?.mail;
    if (!user || !to) return { status: 'SKIPPED', reason: 'recipient has no mailbox in the directory' };
    // After an interrupted attempt, the same Message-ID again (see the top of the file).
    const messageId = messageIdOf(n);
    await deps.smtp.send({ messageId, to, subject: title, text: n.message });
    return { status: 'SENT', providerRef: messageId };
  }

  async function sendToReleaseTeam(n: NotificationRow, channel: string, title: string): Promise<Outcome> {
    const to = deps.releaseTeamMailbox;
    if (channel !== 'email' || !to) return { status: 'SKIPPED', reason: channel === 'email' ? 'no release team mailbox is configured' : 'the release team has no phone' };
    const messageId = messageIdOf(n);
    await deps.smtp.send({ messageId, to, subject: title, text: n.message });
    return { status: 'SENT', providerRef: messageId };
  }

  async function sendPush(n: NotificationRow, employeeId: string, title: string): Promise<Outcome> {
    const device = await db.device.findFirst({ where: { employeeId, state: 'IN_USE' }, select: { imei: true }, orderBy: { updatedAt: 'desc' } });
    if (!device) return { status: 'SKIPPED', reason: 'recipient has no corporate phone in use' };
    const phone = await managedPhone(deps, device.imei);
    const commandId = await sendOnce(deps, phone, `notification:${n.id}:phone`, 'MESSAGE', () => phone.provider.sendMessage(phone.deviceId, { title, body: n.message }));
    return { status: 'SENT', providerRef: commandId ?? null };
  }

  return {
    /** One delivery pass: sends what is due, records each outcome, says when to look again. */
    async deliverNotifications(input: NotificationDeliveryInput = {}): Promise<DeliveryPass> {
      const batchSize = input.batchSize ?? 50;
      const firstMs = input.backoff?.firstMs ?? 30_000;
      const maxMs = input.backoff?.maxMs ?? 6 * 3600_000;
      const maxAttempts = input.maxAttempts ?? 30;
      const pass: DeliveryPass = { sent: 0, failed: 0, retrying: 0, skipped: 0, nextDueAt: null };

      const due = await db.notificationDelivery.findMany({
        where: { OR: [{ status: 'SENDING' }, { status: 'PENDING', nextAttemptAt: { lte: new Date() } }] },
        orderBy: { id: 'asc' },
        take: batchSize,
        include: { notification: { include: { store: { select: { language: true } } } } },
      });

      const cancelled = Context.current().cancellationSignal;
      for (const row of due) {
        // Temporal gave this attempt up (heartbeat timeout, the workflow went away): stop before
        // the next row, so that two attempts never send at once.
        if (cancelled.aborted) break;
        heartbeat(row.id);
        // The mark before the send: committed, so that a crash during the send is seen.
        const claimed = await db.notificationDelivery.update({ where: { id: row.id }, data: { status: 'SENDING', attempts: { increment: 1 }, claimedAt: new Date() } });
        // Heartbeats while a send waits (the MDM's rate budget can hold it longer than the
        // heartbeat timeout): only a dead worker lets Temporal start another attempt.
        const ticker = setInterval(() => heartbeat(row.id), 10_000);
        const n = row.notification;
        try {
          // The release team is not a store's: its e-mails are in English (the message is phonefleet's own).
          const title = titleOf(n.kind, n.recipient === RELEASE_TEAM ? undefined : n.store.language, deps.companyName);
          const employeeId = n.recipient === RELEASE_TEAM ? null : await recipientOf(n);
          const outcome: Outcome =
            n.recipient === RELEASE_TEAM
              ? await sendToReleaseTeam(n, row.channel, title)
              : !employeeId
                ? { status: 'SKIPPED', reason: 'the store has no curator' }
                : row.channel === 'email'
                  ? await sendEmail(n, employeeId, title)
                  : await sendPush(n, employeeId, title);
          if (outcome.status === 'SENT') {
            await db.notificationDelivery.update({ where: { id: row.id }, data: { status: 'SENT', sentAt: new Date(), providerRef: outcome.providerRef } });
            pass.sent += 1;
          } else {
            await db.notificationDelivery.update({ where: { id: row.id }, data: { status: 'SKIPPED', lastError: outcome.reason } });
            pass.skipped += 1;
          }
        } catch (err) {
          const giveUp = isPermanent(err) || claimed.attempts >= maxAttempts;
          const delay = Math.min(maxMs, firstMs * 2 ** (claimed.attempts - 1));
          const retryAfter = (err as { retryAfterMs?: number }).retryAfterMs ?? 0;
          await db.notificationDelivery.update({
            where: { id: row.id },
            data: giveUp
              ? { status: 'FAILED', lastError: describe(err) }
              : { status: 'PENDING', lastError: describe(err), nextAttemptAt: new Date(Date.now() + Math.max(delay, retryAfter)) },
          });
          if (giveUp) pass.failed += 1;
          else pass.retrying += 1;
        } finally {
          clearInterval(ticker);
        }
      }

      if (due.length === batchSize)
        pass.nextDueAt = new Date().toISOString(); // more waiting now
      else {
        const next = await db.notificationDelivery.findFirst({ where: { status: 'PENDING' }, orderBy: { nextAttemptAt: 'asc' }, select: { nextAttemptAt: true } });
        pass.nextDueAt = next ? next.nextAttemptAt.toISOString() : null;
      }
      return pass;
    },
  };
}

type NotificationRow = { id: number; idempotencyKey: string; message: string };

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;
