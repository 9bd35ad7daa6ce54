// What activities are given: the database and one adapter per external system. Tests pass
// simulator-backed adapters or typed doubles of these interfaces.
import type { DirectoryApi } from '../src/adapters/directory.ts';
import type { HrApi } from '../src/adapters/hr.ts';
import type { MdmProvider, MdmProviderName } from '../src/adapters/mdm.ts';
import type { OperatorApi } from '../src/adapters/operator.ts';
import type { PrismaClient } from '../src/db/generated/client.ts';

export interface ActivityDeps {
  db: PrismaClient;
  mdm: Record<MdmProviderName, MdmProvider>;
  operator: OperatorApi;
  hr: HrApi;
  directory: DirectoryApi;
}
