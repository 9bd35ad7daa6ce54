import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Temporal's native worker and PGlite want a process of their own, not a worker thread.
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/quiet-temporal.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
