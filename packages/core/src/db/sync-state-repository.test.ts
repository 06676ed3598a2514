import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientDatabase, createClientDatabase } from '../testing/index.js';
import { createSyncStateRepository, SYNC_CYCLES_KEPT_MS } from './sync-state-repository.js';

/** The console's chart reads the syncer's recent cycles: each complete cycle is kept for a while, then pruned. */
describe('sync cycle history', () => {
  let db: ClientDatabase['db'];
  let close: ClientDatabase['close'];

  beforeAll(async () => {
    ({ db, close } = await createClientDatabase('sync-history'));
  });
  afterAll(() => close?.());

  it('records each complete cycle with sync_state and prunes cycles older than SYNC_CYCLES_KEPT_MS', async () => {
    const repository = createSyncStateRepository(db.sql);
    const old = new Date(Date.now() - SYNC_CYCLES_KEPT_MS - 60_000);
    await db.sql`INSERT INTO sync_cycles (synced_at, cycle_ms, entries, changed) VALUES (${old}, 5, 1, 0)`;
    const first = new Date(Date.now() - 2000);
    const second = new Date(Date.now() - 1000);
    await repository.saveSyncStats({ lastSyncedAt: first, cycleMs: 120, entries: 40, changed: 3, orphans: 0 });
    await repository.saveSyncStats({ lastSyncedAt: second, cycleMs: 80, entries: 41, changed: 1, orphans: 0 });

    const all = await repository.recentCycles(new Date(0));
    expect(all).toEqual([
      { syncedAt: first, cycleMs: 120, entries: 40, changed: 3 },
      { syncedAt: second, cycleMs: 80, entries: 41, changed: 1 },
    ]);
    expect(await repository.recentCycles(new Date(second.getTime() - 1))).toHaveLength(1);
    const [state] = await db.sql`SELECT last_cycle_ms, last_entries FROM sync_state WHERE name = 'gateway'`;
    expect(state).toEqual({ last_cycle_ms: 80, last_entries: 41 });
  });
});
