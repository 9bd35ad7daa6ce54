// Starting a release's process, once per build: publishing the same build again (a retried
// Jenkins stage) finds it started, or finished, and starts nothing.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Release } from '../db/generated/client.ts';
import { RELEASE_WORKFLOW_TYPE, type ReleaseInput, type ReleasePolicy } from '../../workflows/release-contract.ts';
import { Package, ReleaseId, Ring, VersionCode } from '../../workflows/search-attributes.ts';
import { DEFAULT_RELEASE_POLICY } from './policy.ts';

export async function startRelease(
  client: Client,
  taskQueue: string,
  release: Pick<Release, 'id' | 'packageName' | 'versionCode' | 'versionName'>,
  policy?: ReleasePolicy,
): Promise<boolean> {
  const input: ReleaseInput = { releaseId: release.id, packageName: release.packageName, versionCode: release.versionCode, policy: policy ?? DEFAULT_RELEASE_POLICY };
  try {
    await client.workflow.start(RELEASE_WORKFLOW_TYPE, {
      workflowId: release.id,
      taskQueue,
      args: [input],
      // A finished release is not run again by a late retry of its publish.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: `Release ${release.packageName} ${release.versionName ?? release.versionCode} (${release.versionCode})`,
      typedSearchAttributes: [
        { key: Package, value: release.packageName },
        { key: ReleaseId, value: release.id },
        { key: VersionCode, value: release.versionCode },
        { key: Ring, value: 0 },
      ],
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}
