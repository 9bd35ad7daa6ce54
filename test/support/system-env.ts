// Every external system's variables, spelled out as an operator would set them, pointing at
// running simulators: what the suites that start phonefleet's real entry points give it.
import type { RunningSimulators } from '../../src/systems/index.ts';

export function everySystemEnv(sims: RunningSimulators): Record<string, string> {
  const { urls, credentials: c } = sims;
  return {
    KNOX_MANAGE_URL: urls.knoxManage,
    KNOX_MANAGE_CLIENT_ID: c.knoxManage.clientId,
    KNOX_MANAGE_CLIENT_SECRET: c.knoxManage.clientSecret,
    SECOND_MDM_URL: urls.secondMdm,
    SECOND_MDM_LOGIN: c.secondMdm.login,
    SECOND_MDM_PASSWORD: c.secondMdm.password,
    OPERATOR_URL: urls.operator,
    OPERATOR_USER: c.operator.user,
    OPERATOR_API_KEY: c.operator.apiKey,
    HR_URL: urls.hr,
    HR_TOKEN: c.hr.token,
    DIRECTORY_URL: urls.directory,
    DIRECTORY_TENANT: c.directory.tenant,
    DIRECTORY_CLIENT_ID: c.directory.clientId,
    DIRECTORY_CLIENT_SECRET: c.directory.clientSecret,
    KNOX_GUARD_URL: urls.knoxGuard,
    KNOX_GUARD_API_TOKEN: c.knoxGuard.apiToken,
    LEASE_PARTNER_URL: urls.leasePartner,
    LEASE_PARTNER_TOKEN: c.leasePartner.token,
    SMTP_URL: `smtp://${sims.smtp.smtpEndpoint.host}:${sims.smtp.smtpEndpoint.port}`,
    SMTP_FROM: 'phonefleet <phonefleet@retailco.example>',
    CRASH_REPORTER_URL: urls.crashReporter,
    CRASH_REPORTER_TOKEN: c.crashReporter.token,
    CRASH_REPORTER_ORGANIZATION: 'retailco',
  };
}
