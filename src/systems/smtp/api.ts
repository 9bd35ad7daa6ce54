// E-mail as phonefleet sends it: one message per notification, identified by a Message-ID that
// phonefleet derives from the notification, so a message sent again after an interrupted
// attempt is recognisably the same message (RFC 5322 §3.6.4), never a new one.

export interface OutgoingMail {
  /** `<...@...>`: derived from the notification and its channel, the same on every attempt. */
  messageId: string;
  /** The recipient's address: resolved by the delivery activity at send time, never stored. */
  to: string;
  subject: string;
  text: string;
}

export interface MailApi {
  /**
   * Hands the message to the SMTP server. Resolves once the server accepted it (250 after
   * DATA); a RetryableSystemError for what a later attempt may get through (connection refused,
   * 4xx, timeout), a PermanentSystemError for a 5xx refusal.
   */
  send(mail: OutgoingMail): Promise<void>;
}
