// What the API's routes share: the database, the Temporal client and configuration.
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../db/generated/client.ts';
import type { FleetPolicy } from '../../workflows/policy.ts';
import type { EncryptionCodec } from '../temporal/codec.ts';
import type { ApiTokens } from './auth.ts';
import type { NameSource } from './names.ts';

export interface ApiContext {
  db: PrismaClient;
  temporal: Client;
  taskQueue: string;
  policy: FleetPolicy;
  hrWebhookSecrets: string[];
  /** token -> its holder: the name recorded as the actor of what they do, and its scopes. */
  apiTokens: ApiTokens;
  codec: EncryptionCodec;
  /** HR, where a curator's view fetches names (phonefleet stores none); unset = names unavailable. */
  hr?: NameSource;
  codecOrigins: string[];
  /**
   * Who may decrypt through /codec: 'token' = operators with a bearer token (a Web UI with
   * login passes the user's token); 'ui-origin' also lets the configured Web UI origins in
   * without one, for the embedded dev server whose UI has no login and listens on loopback.
   */
  codecAccess: 'token' | 'ui-origin';
  /** Deadline of each Temporal call made for a request (default TEMPORAL_DEADLINE_MS, temporal-calls.ts). */
  temporalDeadlineMs?: number;
  /** Answers /readyz: each check throws when its part is not ready. */
  readiness: Record<string, () => Promise<unknown>>;
}
