import { defineConfig } from 'vitest/config';

/**
 * postgres.js fetches the database's array types on a client's first connection and leaves that
 * query's rejection unhandled when the connection is cut under it; the database-outage tests cut
 * connections on purpose. Only that error is ignored: any other unhandled error fails the run.
 */
function isPostgresTypeFetchCut(error: { code?: unknown; query?: unknown }): boolean {
  const cut = ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED'];
  return cut.includes(String(error.code)) && String(error.query ?? '').includes('pg_catalog.pg_type');
}

export default defineConfig({
  test: {
    include: ['apps/*/src/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'tests/*/src/**/*.test.ts'],
    globalSetup: ['packages/core/src/testing/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Real Postgres and real HTTP servers per file; on 2 cores, two files at a time is plenty.
    maxWorkers: 2,
    onUnhandledError: (error) => !isPostgresTypeFetchCut(error as { code?: unknown; query?: unknown }),
  },
});
