// The real adapter: nodemailer's SMTP transport. Failures are classified as phonefleet's
// adapters classify HTTP ones, so the delivery activity retries what may get through later.
import { createTransport } from 'nodemailer';
import { PermanentSystemError, RetryableSystemError } from '../shared/errors.ts';
import type { MailApi, OutgoingMail } from './api.ts';
import type { SmtpConfig } from './config.ts';

const SYSTEM = 'smtp';

export class SmtpMail implements MailApi {
  private readonly transport: ReturnType<typeof createSmtpTransport>;

  constructor(private readonly config: SmtpConfig) {
    const timeout = config.timeoutMs ?? 15_000;
    this.transport = createSmtpTransport(config, timeout);
  }

  async send(mail: OutgoingMail): Promise<void> {
    try {
      await this.transport.sendMail({ from: this.config.from, to: mail.to, subject: mail.subject, text: mail.text, messageId: mail.messageId });
    } catch (err) {
      throw classify(err);
    }
  }

  close(): void {
    this.transport.close();
  }
}

function createSmtpTransport(config: SmtpConfig, timeout: number) {
  return createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    ...(config.user ? { auth: { user: config.user, pass: config.password ?? '' } } : {}),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    // Never log: the envelope names the recipient.
    logger: false,
  });
}

/** Only the SMTP stage and code reach the message: the server's text may echo the address. */
function classify(err: unknown): Error {
  const e = err as { responseCode?: number; code?: string; command?: string };
  const stage = e.command ? ` at ${e.command}` : '';
  if (typeof e.responseCode === 'number') {
    const what = `server answered ${e.responseCode}${stage}`;
    return e.responseCode >= 500 ? new PermanentSystemError(SYSTEM, what, e.responseCode) : new RetryableSystemError(SYSTEM, what, undefined, e.responseCode);
  }
  // Connection refused or dropped, timeouts, TLS trouble: the relay may be back later.
  return new RetryableSystemError(SYSTEM, `${e.code ?? 'connection failed'}${stage}`);
}
