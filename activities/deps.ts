// What activities are given: the database and one adapter per external system. Tests pass
// simulator-backed adapters or typed doubles of these interfaces.
import type { ExternalSystems } from '../src/systems/index.ts';
import type { PrismaClient } from '../src/db/generated/client.ts';
import type { FleetPolicy } from '../workflows/policy.ts';
import type { ArtifactStore } from '../src/release/artifact-store.ts';
import type { ReleaseGit } from '../src/release/git.ts';

/**
 * One adapter per system of src/systems/index.ts's SYSTEMS, by its name (`deps.hr`,
 * `deps.knoxGuard`; the MDMs also as `deps.mdm[provider]`): a system added there is here too.
 */
export type ActivityDeps = ExternalSystems & {
  db: PrismaClient;
  /** The owner named on lock screens and messages. */
  companyName: string;
  /**
   * The fleet policy of this worker's configuration: what each phase reads when it starts.
   * Absent (a test rig without one): phases keep the policy their lifecycle was started with.
   */
  policy?: FleetPolicy;
  /** Accepted APKs (the MDM uploads read them); absent on a worker that runs no releases. */
  artifacts?: ArtifactStore;
  /** The apps' repositories (a finished release is tagged). */
  releaseGit?: ReleaseGit;
  /** The release team's mailbox: a halted release is e-mailed there (RELEASE_TEAM_EMAIL). */
  releaseTeamMailbox?: string;
};
