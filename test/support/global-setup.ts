// One real Temporal dev server for the whole test run (each suite uses its own task queue and
// its own employee ids on it), and the workflow bundle built once instead of once per suite.
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../../src/temporal/server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await startDevServer({ headless: true });
  project.provide('temporalAddress', server.address);
  return async () => {
    await server.stop();
  };
}
