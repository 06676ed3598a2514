import type { StatusEntry, UnconfirmedPayment } from '@pt/core';
import type { SyncerDeps } from './deps.js';

export interface UnconfirmedResult {
  linked: number;
  requeued: number;
  ambiguous: number;
}

/**
 * Settles payments whose submission outcome was unknown, using the full status list just read
 * (the gateway lists every payment it ever recorded; it carries no amounts or accounts, so
 * time is all there is to match on):
 * - exactly one unknown ("orphan") confirmation_id created inside the attempt's window, and
 *   that orphan inside no other unconfirmed payment's window → linked;
 * - no orphan at all in the window, and the list was fetched after the window closed → the
 *   gateway never recorded it, so it is re-queued (the only case where re-sending is safe);
 * - anything else stays `unconfirmed` for an operator.
 */
export async function resolveUnconfirmed(
  deps: Pick<SyncerDeps, 'sync' | 'payments' | 'logger' | 'config'>,
  unconfirmed: UnconfirmedPayment[],
  candidates: Map<string, StatusEntry>,
  fetchStartedAt: Date,
): Promise<UnconfirmedResult> {
  const result: UnconfirmedResult = { linked: 0, requeued: 0, ambiguous: 0 };
  if (unconfirmed.length === 0) {
    await deps.sync.saveOrphans([]);
    return result;
  }
  const { sync, payments, logger, config } = deps;
  const skew = config.GATEWAY_CLOCK_SKEW_MS;

  const known = await sync.knownConfirmationIds([...candidates.keys()]);
  const orphans = [...candidates.values()].filter((entry) => !known.has(entry.confirmationId));
  const inWindow = (u: UnconfirmedPayment, entry: StatusEntry) =>
    entry.createdAt.getTime() >= u.from.getTime() - skew && entry.createdAt.getTime() <= u.until.getTime() + skew;

  for (const u of unconfirmed) {
    const matches = orphans.filter((entry) => inWindow(u, entry));
    const log = logger.child({ paymentId: u.id });
    const [match] = matches;
    if (matches.length === 1 && match && unconfirmed.filter((other) => inWindow(other, match)).length === 1) {
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
