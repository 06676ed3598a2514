import type { StatusEntry, UnconfirmedPayment } from '@pt/core';
import type { SyncerDeps } from './deps.js';
import { createOwnersRepository, type PossibleOwner } from './owners-repository.js';

export interface UnconfirmedResult {
  linked: number;
  requeued: number;
  ambiguous: number;
  /** Left for a later cycle: the only candidate may belong to a submission still in flight. */
  deferred: number;
}

/**
 * Settles payments whose submission outcome was unknown, using the full status list just read
 * (the gateway lists every payment it ever recorded; it carries no amounts or accounts, so
 * time is all there is to match on):
 * - exactly one unknown ("orphan") confirmation_id created inside the attempt's window, and
 *   no other payment that could own it (another unconfirmed payment's window, or an attempt
 *   still in flight, here or in another process) → linked;
 * - no orphan at all in the window, and the list was fetched after the window closed → the
 *   gateway never recorded it, so it is re-queued (the only case where re-sending is safe);
 * - a single orphan that an attempt in flight may own → decided in a later cycle;
 * - anything else stays `unconfirmed` for an operator.
 */
export async function resolveUnconfirmed(
  deps: Pick<SyncerDeps, 'sql' | 'sync' | 'payments' | 'logger' | 'config'>,
  unconfirmed: UnconfirmedPayment[],
  candidates: Map<string, StatusEntry>,
  fetchStartedAt: Date,
): Promise<UnconfirmedResult> {
  const result: UnconfirmedResult = { linked: 0, requeued: 0, ambiguous: 0, deferred: 0 };
  if (unconfirmed.length === 0) {
    await deps.sync.saveOrphans([]);
    return result;
  }
  const { sql, sync, payments, logger, config } = deps;
  const skew = config.GATEWAY_CLOCK_SKEW_MS;

  const known = await sync.knownConfirmationIds([...candidates.keys()]);
  const orphans = [...candidates.values()].filter((entry) => !known.has(entry.confirmationId));
  const inWindow = (u: { from: Date; until: Date | null }, entry: StatusEntry) =>
    entry.createdAt.getTime() >= u.from.getTime() - skew &&
    (u.until === null || entry.createdAt.getTime() <= u.until.getTime() + skew);
  // Read after the list and the known ids, so it sees every payment that may own an orphan.
  const owners: PossibleOwner[] = orphans.length > 0 ? await createOwnersRepository(sql).listPossibleOwners() : [];

  for (const u of unconfirmed) {
    const matches = orphans.filter((entry) => inWindow(u, entry));
    const log = logger.child({ paymentId: u.id });
    const [match] = matches;
    const rivals = match ? owners.filter((other) => other.id !== u.id && inWindow(other, match)) : [];
    if (matches.length === 1 && match && rivals.length === 0) {
      const linked = await payments
        .linkUnconfirmed(u.id, match, {
          source: 'syncer',
          reason: 'matched to the only gateway entry in its submission window',
          syncedAt: fetchStartedAt,
        })
        .catch((error: unknown) => {
          log.error({ err: error, confirmationId: match.confirmationId }, 'could not link unconfirmed payment');
          return null;
        });
      if (linked) {
        result.linked++;
        log.info({ confirmationId: match.confirmationId, status: linked.status }, 'linked unconfirmed payment');
      }
    } else if (matches.length === 0 && fetchStartedAt.getTime() > u.until.getTime() + skew) {
      const requeued = await payments.requeueUnconfirmed(u.id, {
        source: 'syncer',
        reason: 'the gateway never recorded it (no entry in its submission window); re-queued',
      });
      if (requeued) {
        result.requeued++;
        log.info('re-queued unconfirmed payment the gateway never recorded');
      }
    } else if (matches.length === 1 && rivals.every((rival) => rival.until === null)) {
      result.deferred++;
      log.info({ inFlight: rivals.length }, 'unconfirmed payment may match a submission still in flight; deciding later');
    } else if (matches.length > 0) {
      result.ambiguous++;
      log.warn({ candidates: matches.length }, 'unconfirmed payment is ambiguous; left for an operator');
    }
  }
  // Orphans nobody could claim stay visible to operators until someone links them.
  const linkedIds = new Set((await sync.knownConfirmationIds(orphans.map((o) => o.confirmationId))).keys());
  await sync.saveOrphans(orphans.filter((o) => !linkedIds.has(o.confirmationId)));
  return result;
}
