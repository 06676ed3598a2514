import type { GatewayChange } from '@pt/core';
import { reconcile, type SyncerDeps } from '@pt/syncer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientId } from './delivery-helpers.js';
import { type System, startSystem } from './harness.js';

const ENTRIES = 40_000;
const TRACKED = 4_000;
const BATCH = 300;
/** Long enough for the next batches to be parsed many times over; only ends a statement when nothing overlaps it. */
const HOLD_FALLBACK_MS = 3000;

/**
 * A cycle over a list of 40,000 entries at the gateway-mock (real HTTP), 4,000 of them pending
 * here and resolved there, applied in statements of 300 changes against the real database.
 * The syncer's own statement runs, wrapped to hold its first call until the list's next
 * entries were parsed: only a cycle that parses while a statement is in flight gets past it
 * without the fallback.
 */
describe('a sync cycle parses the list while its statements run', () => {
  let system: System;
  let tracked: string[];

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false });
    await system.createClient('acme');
    const owner = await clientId(system, 'acme');
    const seed = async (count: number, status: string) => {
      const response = await fetch(`${system.mock.url}/__mock/seed`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ count, status, created_at: new Date(Date.now() - 3_600_000).toISOString(), return_ids: true }),
      });
      return (await response.json()) as string[];
    };
    tracked = [];
    for (let round = 0; round < 4; round++) {
      await seed((ENTRIES - TRACKED) / 4, 'settled');
      tracked.push(...(await seed(TRACKED / 4, 'settled')));
    }
    await system.sql`
      INSERT INTO payments (id, client_id, status, amount, sender_account, receiver_account, confirmation_id, attempts, submitted_at)
      SELECT gen_random_uuid(), ${owner}, 'pending', 1.00, '11112222', '33334444', cid, 1, now() - interval '1 hour'
      FROM unnest(${tracked}::text[]) AS cid`;
  });
  afterAll(() => system?.stop());

  it('applies batch N while batch N+1 is parsed, one statement at a time, and changes every payment once', async () => {
    const real = system.syncerDeps({ SYNC_BATCH_SIZE: String(BATCH) });
    let parsed = 0;
    let inFlight = 0;
    let mostInFlight = 0;
    const parsedDuring: number[] = [];
    const deps: SyncerDeps = {
      ...real,
      gateway: {
        ...real.gateway,
        streamStatus: (onEntry, options) =>
          real.gateway.streamStatus((entry) => {
            parsed++;
            onEntry(entry);
          }, options),
      },
      changes: {
        ...real.changes,
        applyGatewayChanges: async (batch: GatewayChange[], syncedAt: Date) => {
          inFlight++;
          mostInFlight = Math.max(mostInFlight, inFlight);
          const parsedAtStart = parsed;
          if (parsedDuring.length === 0) await until(() => parsed > parsedAtStart, HOLD_FALLBACK_MS);
          try {
            return await real.changes.applyGatewayChanges(batch, syncedAt);
          } finally {
            parsedDuring.push(parsed - parsedAtStart);
            inFlight--;
          }
        },
      },
    };

    const result = await reconcile(deps);

    expect(result.entries).toBe(ENTRIES);
    expect(result.changed).toBe(TRACKED);
    expect(mostInFlight).toBe(1);
    expect(parsedDuring.length).toBeGreaterThan(2);
    // The first statement was held until entries after its batch were parsed: the read went on.
    expect(parsedDuring[0]).toBeGreaterThan(0);
    const [counts] = await system.sql<{ pending: number; events: number; distinct_payments: number }[]>`
      SELECT (SELECT count(*)::int FROM payments WHERE status = 'pending') AS pending,
             (SELECT count(*)::int FROM payment_events WHERE source = 'syncer') AS events,
             (SELECT count(DISTINCT payment_id)::int FROM payment_events WHERE source = 'syncer') AS distinct_payments`;
    expect(counts).toEqual({ pending: 0, events: TRACKED, distinct_payments: TRACKED });
  });
});

/** Resolves once `done()` holds (checked every few milliseconds), or after `fallbackMs` regardless. */
async function until(done: () => boolean, fallbackMs: number): Promise<void> {
  const giveUpAt = Date.now() + fallbackMs;
  while (!done() && Date.now() < giveUpAt) await new Promise((resolve) => setTimeout(resolve, 5));
}
