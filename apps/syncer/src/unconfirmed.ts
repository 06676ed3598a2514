import type { StatusEntry, UnconfirmedPayment } from '@pt/core';
import type { SyncerDeps } from './deps.js';
import { matchUnconfirmed } from './matching.js';

export interface UnconfirmedResult {
  linked: number;
  requeued: number;
  ambiguous: number;
  /** Left for a later cycle: an attempt still in flight may own the candidate, or the window is still open. */
  deferred: number;
  /** Gateway entries no local payment holds and none could be tied to: kept for an operator. */
  orphans: number;
}

/**
 * Settles payments whose submission outcome was unknown, from the complete status list just
 * read (the rules are in matching.ts): links the ones whose gateway entry is certain, re-queues
 * the ones the gateway provably never recorded, and leaves the rest to an operator.
 */
export async function resolveUnconfirmed(
  deps: Pick<SyncerDeps, 'sync' | 'payments' | 'logger' | 'config'>,
  unconfirmed: UnconfirmedPayment[],
  candidates: Map<string, StatusEntry>,
  listedAt: Date,
): Promise<UnconfirmedResult> {
  const result: UnconfirmedResult = { linked: 0, requeued: 0, ambiguous: 0, deferred: 0, orphans: 0 };
  const { sync, payments, logger, config } = deps;
  if (unconfirmed.length === 0) {
    await sync.saveOrphans([]);
    return result;
  }
  // Owners first, known ids second: a submission that records its confirmation_id in between
  // is then either still listed as an owner or already known, never neither.
  const owners = await sync.listPossibleOwners();
  const known = await sync.knownConfirmationIds([...candidates.keys()]);
  const orphans = [...candidates.values()].filter((entry) => !known.has(entry.confirmationId));
  const decisions = matchUnconfirmed(
    owners.map((o) => ({ id: o.id, from: o.from.getTime(), until: o.until?.getTime() ?? null })),
    orphans.map((o) => ({ confirmationId: o.confirmationId, createdAt: o.createdAt.getTime() })),
    { skewMs: config.GATEWAY_CLOCK_SKEW_MS, listedAt: listedAt.getTime() },
  );

  for (const { paymentId, confirmationId } of decisions.links) {
    const entry = candidates.get(confirmationId);
    if (!entry) continue;
    const linked = await payments
      .linkUnconfirmed(paymentId, entry, {
        source: 'syncer',
        reason: 'matched to the only gateway entry in its submission window that no other payment can own',
        syncedAt: listedAt,
      })
      .catch((error: unknown) => {
        // e.g. the confirmation_id was claimed meanwhile (unique index): decide again next cycle
        logger.warn({ err: error, paymentId, confirmationId }, 'could not link unconfirmed payment');
        return null;
      });
    if (linked) {
      result.linked++;
      logger.info({ paymentId, confirmationId, status: linked.status }, 'linked unconfirmed payment');
    }
  }
  for (const paymentId of decisions.requeue) {
    const requeued = await payments.requeueUnconfirmed(paymentId, {
      source: 'syncer',
      reason: 'the gateway never recorded it (no entry in its submission window); re-queued',
    });
    if (requeued) {
      result.requeued++;
      logger.info({ paymentId }, 're-queued unconfirmed payment the gateway never recorded');
    }
  }
  for (const { paymentId, candidates: count } of decisions.ambiguous) {
    logger.warn({ paymentId, candidates: count }, 'unconfirmed payment is ambiguous; left for an operator');
  }
  for (const { paymentId, reason } of decisions.deferred) {
    if (reason === 'in_flight')
      logger.info({ paymentId }, 'unconfirmed payment may match a submission still in flight; deciding later');
  }
  result.ambiguous = decisions.ambiguous.length;
  result.deferred = decisions.deferred.length;
  // Entries nobody could claim stay visible to operators until someone links them.
  const unclaimed = new Set(decisions.unclaimed);
  const unclaimedOrphans = orphans.filter((o) => unclaimed.has(o.confirmationId));
  await sync.saveOrphans(unclaimedOrphans);
  result.orphans = unclaimedOrphans.length;
  return result;
}
