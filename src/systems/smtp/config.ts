// The SMTP relay phonefleet sends through, from the environment: SMTP_URL
// (smtp[s]://user:password@host:port) or SMTP_HOST with SMTP_PORT, SMTP_USER, SMTP_PASSWORD;
// SMTP_FROM is the sender. The password is a secret: it comes only from the environment and is
// never logged (the config's description leaves it out).

export interface SmtpConfig {
  host: string;
  port: number;
  /** Implicit TLS (smtps, port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
  /** Per-connection and per-command timeout. */
  timeoutMs?: number;
}

export const SMTP_ENV = ['SMTP_URL', 'SMTP_HOST', 'SMTP_PORT', 'SMTP_USER', 'SMTP_PASSWORD', 'SMTP_FROM'] as const;

export class SmtpConfigError extends Error {
  override readonly name = 'SmtpConfigError';
}

/** undefined when SMTP is not configured at all; throws naming what is wrong when half-configured. */
export function smtpConfigFromEnv(env: Record<string, string | undefined> = process.env): SmtpConfig | undefined {
  const url = env.SMTP_URL?.trim();
  const host = env.SMTP_HOST?.trim();
  if (!url && !host) return undefined;
  const from = env.SMTP_FROM?.trim();
  if (!from) throw new SmtpConfigError('SMTP_FROM is missing (the sender of phonefleet e-mails)');
  if (url) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new SmtpConfigError('SMTP_URL is not a URL (smtp://user:password@host:port)');
    }
    if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') throw new SmtpConfigError('SMTP_URL must start with smtp:// or smtps://');
    const secure = parsed.protocol === 'smtps:';
    return {
      host: parsed.hostname,
      port: parsed.port ? Number(parsed.port) : secure ? 465 : 587,
      secure,
      ...(parsed.username ? { user: decodeURIComponent(parsed.username) } : {}),
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
      from,
    };
  }
  const port = env.SMTP_PORT ? Number(env.SMTP_PORT) : 587;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new SmtpConfigError('SMTP_PORT must be a port number');
  return {
    host: host!,
    port,
    secure: port === 465,
    ...(env.SMTP_USER ? { user: env.SMTP_USER } : {}),
    ...(env.SMTP_PASSWORD ? { password: env.SMTP_PASSWORD } : {}),
    from,
  };
}
