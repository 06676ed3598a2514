import {
  decideGatewayUpdate,
  type GatewayChange,
  parseGatewayTime,
  type RawStatusEntry,
  type StatusEntry,
  type TrackedPayments,
  toStatusEntry,
  type UnconfirmedPayment,
} from '@pt/core';
import type { SyncerDeps } from './deps.js';
import { resolveUnconfirmed } from './unconfirmed.js';

export interface ReconcileResult {
  entries: number;
  skipped: number;
  duplicates: number;
  changed: number;
  linked: number;
  requeued: number;
  ambiguous: number;
  deferred: number;
  cycleMs: number;
}

interface Window {
  from: number;
  until: number;
}

/**
 * One reconciliation: streams GET /status, keeps only entries that move a payment we track
 * (pending here, different there), and applies them in bulk statements with their events.
 * Entries created inside an unconfirmed payment's attempt window are kept aside to settle it.
 * Memory is bounded by the tracked payments, not by the size of the gateway's history.
 */
export async function reconcile(
  deps: Pick<SyncerDeps, 'sync' | 'gateway' | 'payments' | 'logger' | 'config'>,
): Promise<ReconcileResult> {
  const { sync, gateway, logger, config } = deps;
  const startedAt = new Date();
  const tracked = await sync.loadTracked();
  const unconfirmed = await sync.listUnconfirmed();
  const span = windowSpan(unconfirmed, config.GATEWAY_CLOCK_SKEW_MS);

  let candidates = new Map<string, StatusEntry>();
  let duplicates = 0;
  let skipped = 0;
  let changed = 0;
  let changes: GatewayChange[] = [];

  // Changes are applied in batches of SYNC_BATCH_SIZE changes (not of entries read): at 1M
  // entries with a tenth of them changing, that is 20 statements rather than 200.
  const flush = async () => {
    if (changes.length === 0) return;
    const batch = changes;
    changes = [];
    changed += await sync.applyGatewayChanges(batch, startedAt);
  };
  const skip = (raw: RawStatusEntry) => {
    skipped++;
    if (skipped <= 5) logger.warn({ entry: JSON.stringify(raw).slice(0, 200) }, 'skipped an unusable /status entry');
  };

  const stream = await gateway.streamStatus(
    (raw) => {
      const id = raw.confirmation_id;
      const slot = tracked.slotOf(id);
      if (slot !== undefined) {
        if (!tracked.markListed(slot)) {
          duplicates++;
          return;
        }
        if (raw.status === tracked.status(slot)) return; // unchanged: nothing to validate or apply
        const entry = toStatusEntry(raw);
        if (entry) collectChange(tracked, slot, entry, changes);
        else skip(raw);
      } else if (span) {
        const createdAt = typeof raw.created_at === 'string' ? parseGatewayTime(raw.created_at) : null;
        if (!createdAt || createdAt.getTime() < span.from || createdAt.getTime() > span.until) return;
        const entry = toStatusEntry(raw);
        if (entry) candidates.set(id, entry);
        else skip(raw);
      }
    },
    {
      afterChunk: async () => {
        if (changes.length >= config.SYNC_BATCH_SIZE) await flush();
      },
      // A retried read starts over: apply what the failed attempt saw (gateway reports are
      // facts, and applying again is harmless), then forget it.
      onAttempt: async () => {
        await flush();
        tracked.resetListed();
        candidates = new Map();
      },
    },
  );
  await flush();
  if (duplicates > 0) logger.warn({ duplicates }, 'gateway listed some confirmation_ids more than once; kept the first');

  // The list was complete: tracked payments it did not hold are flagged for an operator.
  await sync.markMissing(tracked.unlisted(), startedAt);
  const settled = await resolveUnconfirmed(deps, unconfirmed, candidates, startedAt);
  const cycleMs = Date.now() - startedAt.getTime();
  await sync.saveSyncStats({ lastSyncedAt: startedAt, cycleMs, entries: stream.entries, changed, orphans: settled.orphans });
  return { entries: stream.entries, skipped: stream.skipped + skipped, duplicates, changed, ...settled, cycleMs };
}

function collectChange(tracked: TrackedPayments, slot: number, entry: StatusEntry, changes: GatewayChange[]) {
  const next = decideGatewayUpdate(
    { status: tracked.status(slot), gatewayUpdatedAt: tracked.gatewayUpdatedAt(slot) },
    { status: entry.status, updatedAt: entry.updatedAt },
  );
  if (!next || next === 'received' || next === 'unconfirmed' || next === 'rejected') return;
  changes.push({ confirmationId: entry.confirmationId, status: entry.status, updatedAt: entry.updatedAt });
  tracked.update(slot, next, entry.updatedAt);
}

/** The earliest and latest gateway created_at that could belong to an unconfirmed payment. */
function windowSpan(unconfirmed: UnconfirmedPayment[], skewMs: number): Window | null {
  if (unconfirmed.length === 0) return null;
  let from = Number.POSITIVE_INFINITY;
  let until = Number.NEGATIVE_INFINITY;
  for (const u of unconfirmed) {
    from = Math.min(from, u.from.getTime() - skewMs);
    until = Math.max(until, u.until.getTime() + skewMs);
  }
  return { from, until };
}
