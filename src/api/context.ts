// What the API's routes share: the database, the Temporal client and configuration.
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../db/generated/client.ts';
import type { FleetPolicy } from '../../workflows/policy.ts';
import type { EncryptionCodec } from '../temporal/codec.ts';
import type { ApiTokens } from './auth.ts';
import type { NameSource } from './names.ts';
import type { OidcVerifier } from './oidc.ts';
import type { ArtifactStore } from '../release/artifact-store.ts';
import type { ReleaseGit } from '../release/git.ts';

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
   * The embedded dev UI's codec URL is /codec/<this secret> (generated at each start): that UI
   * has no login, so it cannot pass a token. Unset = no such URL.
   */
  codecUiSecret?: string;
  /** Checks the identity provider's JWTs a Web UI with login passes (CODEC_OIDC_*); unset = API tokens only. */
  codecIdentity?: OidcVerifier;
  /** Deadline of each Temporal call made for a request (default TEMPORAL_DEADLINE_MS, temporal-calls.ts). */
  temporalDeadlineMs?: number;
  /** Where accepted APKs are kept (content-addressed); unset = publishing a release answers 503. */
  artifacts?: ArtifactStore;
  /** The apps' git repositories (release notes, tags); unset = notes only as Jenkins sends them. */
  releaseGit?: ReleaseGit;
  /** The largest APK accepted (default DEFAULT_MAX_APK_BYTES, src/release/apk/verify.ts). */
  maxApkBytes?: number;
  /** Answers /readyz: each check throws when its part is not ready. */
  readiness: Record<string, () => Promise<unknown>>;
}
