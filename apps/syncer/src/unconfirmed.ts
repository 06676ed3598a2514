import { decideUnrecorded, matchUnconfirmed, type StatusEntry, type UnownedEntry } from '@pt/core';
import type { SyncerDeps } from './deps.js';
import type { GatewayView } from './gateway-view.js';
import type { DecisionJournal } from './journal.js';

export interface UnconfirmedResult {
  linked: number;
  requeued: number;
  rejected: number;
  grouped: number;
  ambiguous: number;
  /** Left for a later cycle (window open, attempt in flight, clock or list not trusted, paused). */
  deferred: number;
  /** Entries inside some window that no decision took, kept for an operator. */
  orphans: number;
  /** Entries inside no window: the premise "only we create entries" broke. */
  foreign: number;
  /** Gateway created_at (ms) of the entries some window still holds. */
  candidateTimes: number[];
}

export interface ListTrust {
  trusted: boolean;
  /** Why not, for the operator. */
  alarm: string | null;
}

/**
 * Settles submissions whose outcome was unknown, from the complete list just read (the rules are
 * core's matchUnconfirmed): links, re-queues or rejects what is certain, resolves closed groups,
 * flags foreign entries and leaves the rest to an operator. Every write is guarded by the
 * attempt judged, so nothing is applied to a payment that moved on during the cycle.
 */
export async function settleUnconfirmed(
  deps: Pick<SyncerDeps, 'unconfirmed' | 'logger' | 'config'>,
  view: GatewayView,
  kept: Map<string, StatusEntry>,
  trust: ListTrust,
  listedAt: Date,
  journal: DecisionJournal,
): Promise<UnconfirmedResult> {
  const { unconfirmed, logger, config } = deps;
  const accounted = await unconfirmed.accountedFor([...kept.keys()]);
  const entries: UnownedEntry[] = [...kept.values()]
    .filter((e) => !accounted.has(e.confirmationId))
    .map((e) => ({ confirmationId: e.confirmationId, createdAt: e.createdAt.getTime(), status: e.status }));
  const paused = (await unconfirmed.unacknowledgedForeign()) > 0;
  const decisions = matchUnconfirmed({
    owners: view.owners,
    entries,
    cutoff: view.cutoff,
    foreignWatermark: view.foreignWatermark,
    listTrusted: trust.trusted,
    paused,
  });
  const result: UnconfirmedResult = {
    linked: 0,
    requeued: 0,
    rejected: 0,
    grouped: 0,
    ambiguous: 0,
    deferred: 0,
    orphans: 0,
    foreign: 0,
    candidateTimes: [],
  };
  // More entries than payments that alone could own them breaks the premise as a foreign entry
  // does (each attempt makes at most one entry, in its window): those entries are reported as
  // foreign, and nothing is decided until an operator acknowledges them.
  const surplus = new Set(
    decisions.ambiguous.filter((a) => a.reason === 'more_entries_than_payments').flatMap((a) => a.candidates),
  );
  if (surplus.size > 0) {
    decisions.links = [];
    decisions.unrecorded = [];
    decisions.groups = [];
    decisions.foreign.push(...decisions.candidates.filter((e) => surplus.has(e.confirmationId)));
    decisions.candidates = decisions.candidates.filter((e) => !surplus.has(e.confirmationId));
  }

  for (const link of decisions.links) {
    const entry = kept.get(link.confirmationId);
    if (!entry) continue;
    const reason = 'matched to the only gateway entry in its window that no other payment can own';
    const linked = await unconfirmed.link(link.paymentId, link.attempt, entry, reason, listedAt);
    if (!linked) continue;
    result.linked++;
    logger.info(
      { paymentId: link.paymentId, confirmationId: link.confirmationId, status: linked.status },
      'linked unconfirmed payment',
    );
  }
  for (const { paymentId, attempt } of decisions.unrecorded) {
    const next = decideUnrecorded(attempt, config.RESUBMIT_MAX_ATTEMPTS);
    if (next.record === 'requeue') {
      const reason = 'the gateway never recorded it (no entry in its window); re-queued';
      if (await unconfirmed.requeue(paymentId, attempt, 'syncer', reason)) {
        result.requeued++;
        logger.info({ paymentId, attempt }, 're-queued unconfirmed payment the gateway never recorded');
      }
    } else if (await unconfirmed.rejectUnrecorded(paymentId, attempt, next.reason)) {
      result.rejected++;
      logger.warn({ paymentId, attempt, reason: next.reason }, 'unconfirmed payment rejected: out of attempts');
    }
  }
  for (const group of decisions.groups) {
    const groupEntries = entries.filter((e) => group.confirmationIds.includes(e.confirmationId));
    const reason = `resolved as a group of ${group.owners.length}: all delivered, every entry ${group.status}`;
    const count = await unconfirmed.resolveGroup(group.owners, groupEntries, group.status, reason);
    result.grouped += count;
    if (count > 0)
      logger.info({ payments: group.owners.map((o) => o.paymentId), confirmationIds: group.confirmationIds }, reason);
  }
  for (const a of decisions.ambiguous) {
    journal.note(
      a.paymentId,
      `ambiguous:${a.reason}:${a.candidates.join(',')}`,
      'warn',
      { paymentId: a.paymentId, candidates: a.candidates },
      'unconfirmed payment is ambiguous; left for an operator',
    );
  }
  for (const d of decisions.deferred) {
    journal.note(
      d.paymentId,
      `deferred:${d.reason}`,
      'info',
      { paymentId: d.paymentId, reason: d.reason },
      'unconfirmed payment waits',
    );
  }
  journal.retain(['gateway-clock', ...[...decisions.ambiguous, ...decisions.deferred].map((d) => d.paymentId)]);
  if (decisions.foreign.length > 0) {
    logger.error(
      { foreign: decisions.foreign.map((e) => e.confirmationId).slice(0, 20), count: decisions.foreign.length },
      'ALARM: gateway entries no submission of ours accounts for (inside no window, or more than the payments that could own them): another submitter, or recorded later than GATEWAY_MAX_RECORDING_DELAY_MS; automatic linking and re-queueing stop until an operator acknowledges',
    );
  }
  await unconfirmed.saveUnowned(decisions.candidates, decisions.foreign, [...kept.keys()], listedAt);

  result.ambiguous = decisions.ambiguous.length;
  result.deferred = decisions.deferred.length;
  result.orphans = decisions.candidates.length;
  result.foreign = decisions.foreign.length;
  result.candidateTimes = decisions.candidates.map((e) => e.createdAt);
  return result;
}
