// SMTP simulator for tests and the demo: a real SMTP server (smtp-server) that keeps what it is
// sent as a mailbox would, and the usual HTTP admin API of phonefleet's simulators:
//   GET    /_sim/messages   the mailbox: one entry per Message-ID, with how many times the relay
//                           accepted it (`accepted`: > 1 means the sender sent it again)
//   DELETE /_sim/messages   empties it
//   PUT    /_sim/faults     `outage` / `errorRate` as the other simulators (answered 421 / 451)
//   PUT    /_sim/smtp-faults `{ dropAfterData: n }`: the next n messages are accepted and kept,
//                           then the connection is cut before the 250 reaches the sender: the
//                           sender cannot tell whether its message arrived (what a crash or a
//                           timeout after the server took the message looks like);
//                           `{ rejectRecipients: true }`: every recipient refused with 550 (no such
//                           mailbox), a permanent failure
// A mailbox store drops a second copy of a Message-ID it holds (RFC 5322: the id names one
// message); so does this one, counting the copy.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { Simulator, type SimulatorOptions } from '../shared/simulator.ts';
import { bodyOf, Fields, plainError } from '../shared/request-fields.ts';

export interface ReceivedMail {
  messageId: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  receivedAt: string;
  /** How many times the relay accepted this Message-ID. */
  accepted: number;
}

export interface SmtpSimulatorState {
  messages: ReceivedMail[];
}

export interface SmtpSimulatorOptions extends SimulatorOptions {
  /** SMTP port; 0 (default) = ephemeral. */
  smtpPort?: number;
}

class SmtpFailure extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
  }
}

export class SmtpSimulator extends Simulator<SmtpSimulatorState> {
  private readonly mailbox = new Map<string, ReceivedMail>();
  private dropAfterData = 0;
  private rejectRecipients = false;
  private readonly smtp: SMTPServer;
  private smtpAddress: { host: string; port: number } | undefined;

  constructor(private readonly smtpOptions: SmtpSimulatorOptions = {}) {
    super('smtp', smtpOptions);
    this.smtp = new SMTPServer({
      authOptional: true,
      // Local only: plain SMTP, any credentials accepted.
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth: (_auth, _session, callback) => callback(null, { user: 'phonefleet' }),
      onMailFrom: (_address, _session, callback) => callback(this.fault()),
      onRcptTo: (_address, _session, callback) => callback(this.rejectRecipients ? new SmtpFailure(550, 'no such mailbox (simulated)') : null),
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then((parsed) => {
            const messageId = parsed.messageId ?? `<no-id-${this.mailbox.size + 1}@smtp-simulator>`;
            const earlier = this.mailbox.get(messageId);
            if (earlier) earlier.accepted += 1;
            else
              this.mailbox.set(messageId, {
                messageId,
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
                subject: parsed.subject ?? '',
                text: parsed.text ?? '',
                receivedAt: new Date().toISOString(),
                accepted: 1,
              });
            if (this.dropAfterData > 0) {
              this.dropAfterData -= 1;
              this.cut(session);
              return;
            }
            callback();
          })
          .catch(() => callback(new SmtpFailure(451, 'could not read the message')));
      },
    });

    this.admin.get('/messages', (_req, res) => {
      res.json(this.messages());
    });
    this.admin.delete('/messages', (_req, res) => {
      this.clearMailbox();
      res.status(204).end();
    });
    this.admin.put('/smtp-faults', (req, res) => {
      const fields = new Fields(bodyOf(req), plainError(400));
      const n = fields.optionalNumber('dropAfterData') ?? 0;
      if (!Number.isInteger(n) || n < 0) throw plainError(400)('dropAfterData must be a whole number >= 0');
      this.dropAfterData = n;
      this.rejectRecipients = fields.optionalBoolean('rejectRecipients') ?? false;
      res.json({ dropAfterData: n, rejectRecipients: this.rejectRecipients });
    });
  }

  clearMailbox(): void {
    this.mailbox.clear();
    this.dropAfterData = 0;
    this.rejectRecipients = false;
  }

  messages(): ReceivedMail[] {
    return [...this.mailbox.values()].map((m) => ({ ...m, to: [...m.to] }));
  }

  /** The HTTP fault configuration, as SMTP answers: an outage is 421 (service not available). */
  private fault(): SmtpFailure | null {
    const { outage, errorRate = 0 } = this.faults.current;
    if (outage && ('down' in outage || Date.parse(outage.until) > Date.now())) return new SmtpFailure(421, 'service not available (simulated outage)');
    if (errorRate > 0 && Math.random() < errorRate) return new SmtpFailure(451, 'local error in processing (simulated)');
    return null;
  }

  /** Closes the session's socket without an answer. */
  private cut(session: SMTPServerSession): void {
    const connections = (this.smtp as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }).connections;
    for (const c of connections) if (c.id === session.id) c._socket.destroy();
  }

  exportState(): SmtpSimulatorState {
    return { messages: this.messages() };
  }

  importState(state: SmtpSimulatorState): void {
    this.mailbox.clear();
    for (const m of state.messages) this.mailbox.set(m.messageId, { ...m });
  }

  /** Where phonefleet's SMTP adapter connects. */
  get smtpEndpoint(): { host: string; port: number } {
    if (!this.smtpAddress) throw new Error('smtp simulator is not started');
    return this.smtpAddress;
  }

  override async start(): Promise<string> {
    const url = await super.start();
    if (!this.smtpAddress) {
      const host = this.smtpOptions.host ?? '127.0.0.1';
      await new Promise<void>((resolve, reject) => {
        this.smtp.once('error', reject);
        this.smtp.listen(this.smtpOptions.smtpPort ?? 0, host, () => {
          this.smtp.off('error', reject);
          resolve();
        });
      });
      this.smtpAddress = { host, port: (this.smtp.server.address() as AddressInfo).port };
    }
    return url;
  }

  override async close(): Promise<void> {
    if (this.smtpAddress) {
      this.smtpAddress = undefined;
      await new Promise<void>((resolve) => this.smtp.close(() => resolve()));
    }
    await super.close();
  }
}
