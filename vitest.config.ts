import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['apps/*/src/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'tests/*/src/**/*.test.ts'],
    globalSetup: ['packages/core/src/testing/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Real Postgres and real HTTP servers per file; on 2 cores, two files at a time is plenty.
    maxWorkers: 2,
  },
});
