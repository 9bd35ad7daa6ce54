// The SMTP relay phonefleet sends notification e-mails through. SMTP_URL (smtp[s]://host:port,
// credentials in it or in SMTP_USER / SMTP_PASSWORD) switches it to a real relay; SMTP_FROM is
// the sender. The demo and the tests run the local SMTP simulator.
import { defineSystem } from '../shared/system-definition.ts';
import type { MailApi } from './api.ts';
import { smtpConfigFromEnv, type SmtpConfig } from './config.ts';
import { SmtpMail } from './smtp.ts';
import { SmtpSimulator } from './simulator.ts';

/** The simulator accepts any login: it is local only. */
type SmtpCredentials = Record<string, never>;

export const system = defineSystem<'smtp', SmtpConfig, MailApi, SmtpSimulator, SmtpCredentials>({
  name: 'smtp',
  variables: { url: 'SMTP_URL', credentials: ['SMTP_FROM'], optional: ['SMTP_USER', 'SMTP_PASSWORD', 'SMTP_TIMEOUT_MS'] },
  configFromEnv: (env) => {
    const config = smtpConfigFromEnv({ SMTP_URL: env.required('SMTP_URL'), SMTP_FROM: env.required('SMTP_FROM') })!;
    const user = env.optional('SMTP_USER');
    const password = env.optional('SMTP_PASSWORD');
    return { ...config, ...(user ? { user } : {}), ...(password ? { password } : {}), ...env.timeout('SMTP_TIMEOUT_MS') };
  },
  // Credentials stay in their own variables, never in the printed URL.
  environmentOf: (c) => ({ SMTP_URL: `${c.secure ? 'smtps' : 'smtp'}://${c.host}:${c.port}`, SMTP_FROM: c.from }),
  createAdapter: (config) => new SmtpMail(config),
  // SMTP listens beside the admin HTTP port: +100 when the ports are fixed (the demo), else ephemeral.
  createSimulator: ({ listen }) => new SmtpSimulator({ ...listen, smtpPort: listen.port ? listen.port + 100 : 0 }),
  simulatorCredentials: () => ({}),
  credentialsFromEnv: () => undefined,
  configForSimulator: (sim) => ({ ...sim.smtpEndpoint, secure: false, from: 'phonefleet <phonefleet@retailco.example>' }),
  resetSimulator: (sim) => sim.clearMailbox(),
});
