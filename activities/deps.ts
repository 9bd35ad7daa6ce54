// What activities are given: the database and one adapter per external system. Tests pass
// simulator-backed adapters or typed doubles of these interfaces.
import type { DirectoryApi } from '../src/adapters/directory.ts';
import type { HrApi } from '../src/adapters/hr.ts';
import type { KnoxGuardApi } from '../src/adapters/knox-guard.ts';
import type { LeasePartnerApi } from '../src/adapters/lease-partner.ts';
import type { Mdm, MdmProviderName } from '../src/adapters/mdm.ts';
import type { OperatorApi } from '../src/adapters/operator.ts';
import type { PrismaClient } from '../src/db/generated/client.ts';
import type { FleetPolicy } from '../workflows/policy.ts';

export interface ActivityDeps {
  db: PrismaClient;
  mdm: Record<MdmProviderName, Mdm>;
  operator: OperatorApi;
  hr: HrApi;
  directory: DirectoryApi;
  knoxGuard: KnoxGuardApi;
  leasePartner: LeasePartnerApi;
  /** The owner named on lock screens and messages. */
  companyName: string;
  /**
   * The fleet policy of this worker's configuration: what each phase reads when it starts.
   * Absent (a test rig without one): phases keep the policy their lifecycle was started with.
   */
  policy?: FleetPolicy;
}
