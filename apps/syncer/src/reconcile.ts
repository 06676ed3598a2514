import {
  decideGatewayUpdate,
  type GatewayChange,
  isGatewayStatus,
  logPreview,
  parseGatewayTime,
  type RawStatusEntry,
  type StatusEntry,
  type StatusStreamResult,
  toStatusEntry,
} from '@pt/core';
import { ApplyPipeline } from './apply-pipeline.js';
import type { SyncerDeps } from './deps.js';
import { type GatewayView, takeGatewayView } from './gateway-view.js';
import { DecisionJournal } from './journal.js';
import { TrackedPayments } from './tracked-payments.js';
import { type ListTrust, settleUnconfirmed, type UnconfirmedResult } from './unconfirmed.js';

export interface ReconcileResult extends UnconfirmedResult {
  entries: number;
  skipped: number;
  duplicates: number;
  changed: number;
  /** Tracked (pending) payments the list did not hold. */
  missing: number;
  /** Untracked entries kept for the windows and the foreign check: bounded by them, not by history. */
  kept: number;
  cycleMs: number;
  /** The gateway clock minus ours, as measured this cycle (null: not known). */
  clockOffsetLowMs: number | null;
  clockOffsetHighMs: number | null;
}

/**
 * One reconciliation: takes the cycle's view (owners of unknown outcomes and their windows, in
 * the gateway's clock), streams GET /status, applies only entries that move a payment we track
 * (pending here, different there) in bulk statements with their events, keeps the entries its
 * windows and the foreign check need, and settles unknown outcomes from them. Memory is bounded
 * by the tracked payments and the open windows, not by the size of the gateway's history.
 */
export async function reconcile(
  deps: Pick<SyncerDeps, 'changes' | 'syncState' | 'attempts' | 'unconfirmed' | 'gateway' | 'logger' | 'config'>,
  journal: DecisionJournal = new DecisionJournal(deps.logger),
): Promise<ReconcileResult> {
  const { changes: gatewayChanges, syncState, gateway, logger, config } = deps;
  const startedAt = new Date();
  const previous = await syncState.readSyncState();
  const tracked = new TrackedPayments();
  await gatewayChanges.loadTracked((confirmationId, status, gatewayUpdatedAt) =>
    tracked.add(confirmationId, status, gatewayUpdatedAt),
  );
  // Before the list is requested: what the list is judged against.
  const view = await takeGatewayView(deps);

  let kept = new Map<string, StatusEntry>();
  let duplicates = 0;
  let skipped = 0;
  let changed = 0;
  let changes: GatewayChange[] = [];

  // Changes are applied in batches of SYNC_BATCH_SIZE changes (not of entries read): at 1M
  // entries with a tenth of them changing, that is 20 statements rather than 200. Each runs
  // while the list's next batches are parsed, one statement in flight at a time.
  const pipeline = new ApplyPipeline();
  const flush = async () => {
    if (changes.length === 0) return;
    const batch = changes;
    changes = [];
    await pipeline.apply(async () => {
      changed += await gatewayChanges.applyGatewayChanges(batch, startedAt);
    });
  };
  const skip = (raw: RawStatusEntry) => {
    skipped++;
    if (skipped <= 5) logger.warn({ entry: logPreview(raw) }, 'skipped an unusable /status entry');
  };

  let stream: StatusStreamResult;
  try {
    stream = await gateway.streamStatus(
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
        } else if (view.wantsEntries) {
          if (typeof raw.created_at === 'string' && view.surelyBefore(raw.created_at)) return;
          const createdAt = typeof raw.created_at === 'string' ? parseGatewayTime(raw.created_at) : null;
          // An entry without a readable time cannot be placed in or out of a window.
          if (!createdAt) return skip(raw);
          if (!view.keeps(createdAt.getTime())) return;
          const entry = toStatusEntry(raw);
          if (!entry) return skip(raw);
          if (kept.has(id)) duplicates++;
          else kept.set(id, entry);
        }
      },
      {
        afterBatch: async () => {
          if (changes.length >= config.SYNC_BATCH_SIZE) await flush();
        },
        // A retried read starts over: apply what the failed attempt saw (gateway reports are
        // facts, and applying again is harmless), then forget it.
        onAttempt: async () => {
          await flush();
          await pipeline.drain();
          tracked.resetListed();
          kept = new Map();
          duplicates = 0;
          skipped = 0;
        },
      },
    );
    await flush();
    await pipeline.drain();
  } catch (error) {
    // Never leave a statement running past a failed cycle; the error reported is the first one.
    await pipeline.drain().catch((late: unknown) => logger.warn({ err: late }, 'a bulk apply failed after the cycle failed'));
    throw error;
  }

  const missing = tracked.unlisted();
  const trust = judgeList({
    missing: missing.length,
    duplicates,
    unreadable: stream.skipped + skipped,
    entries: stream.entries,
    mostEntries: previous?.maxEntries ?? null,
  });
  if (!trust.trusted) logger.warn({ alarm: trust.alarm }, 'gateway list contradicts our records: no absence decision this cycle');
  if (view.clockAlarm)
    journal.note('gateway-clock', view.clockAlarm, 'error', { alarm: view.clockAlarm }, 'ALARM: gateway clock');
  // Tracked payments the list did not hold are flagged for an operator.
  await gatewayChanges.markMissing(missing, startedAt);
  const settled = await settleUnconfirmed(deps, view, kept, trust, startedAt, journal);
  const clockOffsetLowMs = view.eras.at(-1)?.low ?? null;
  const clockOffsetHighMs = view.eras.at(-1)?.high ?? null;
  await deps.unconfirmed.saveGatewayView({
    clockOffsetLowMs,
    clockOffsetHighMs,
    clockAlarm: view.clockAlarm,
    listAlarm: trust.alarm,
    foreignWatermarkGw: nextForeignMark(view, trust, settled, config.GATEWAY_MAX_RECORDING_DELAY_MS),
  });
  const cycleMs = Date.now() - startedAt.getTime();
  await syncState.saveSyncStats({ lastSyncedAt: startedAt, cycleMs, entries: stream.entries, changed, orphans: settled.orphans });
  return {
    entries: stream.entries,
    skipped: stream.skipped + skipped,
    duplicates,
    changed,
    missing: missing.length,
    kept: kept.size,
    ...settled,
    cycleMs,
    clockOffsetLowMs,
    clockOffsetHighMs,
  };
}

/**
 * How far entries were checked for foreign ones: up to the cutoff (everything created before it
 * was judged against the windows), but never past an entry some window still holds (once that
 * window is gone, the entry must be checked again), and twice the recording delay short of it,
 * for a gateway that dates an entry when the request arrived but lists it only once recorded.
 * Only a trusted list with every window known moves the mark (an unknown window holds every
 * entry, so hides foreign ones).
 */
function nextForeignMark(
  view: GatewayView,
  trust: ListTrust,
  settled: UnconfirmedResult,
  recordingDelayMs: number,
): number | null {
  if (!trust.trusted || view.unknownWindows || view.cutoff === null || settled.foreign > 0) return null;
  return Math.min(view.cutoff - 2 * recordingDelayMs, ...settled.candidateTimes);
}

/**
 * Whether the list may prove an absence. A list that loses tracked payments (a restarted or
 * wiped gateway), shrinks, repeats ids or holds unreadable entries contradicts our records.
 */
export function judgeList(facts: {
  missing: number;
  duplicates: number;
  unreadable: number;
  entries: number;
  /** The most entries a complete list held before (the history only grows). */
  mostEntries: number | null;
}): ListTrust {
  const problems: string[] = [];
  if (facts.missing > 0) problems.push(`${facts.missing} pending payments missing from the list`);
  if (facts.mostEntries !== null && facts.entries < facts.mostEntries)
    problems.push(`the list holds ${facts.entries} entries where it held ${facts.mostEntries} (history wiped?)`);
  if (facts.duplicates > 0) problems.push(`${facts.duplicates} confirmation_ids listed twice`);
  if (facts.unreadable > 0) problems.push(`${facts.unreadable} unreadable entries`);
  return problems.length === 0 ? { trusted: true, alarm: null } : { trusted: false, alarm: problems.join('; ') };
}

function collectChange(tracked: TrackedPayments, slot: number, entry: StatusEntry, changes: GatewayChange[]) {
  const next = decideGatewayUpdate(
    { status: tracked.status(slot), gatewayUpdatedAt: tracked.gatewayUpdatedAt(slot) },
    { status: entry.status, updatedAt: entry.updatedAt },
  );
  if (!next || !isGatewayStatus(next)) return;
  changes.push({
    confirmationId: entry.confirmationId,
    from: tracked.status(slot),
    status: entry.status,
    updatedAt: entry.updatedAt,
  });
  tracked.update(slot, next, entry.updatedAt);
}
