/**
 * Deciding what an unconfirmed payment became, from the complete status list alone. The gateway
 * gives no amounts, accounts or idempotency key: a gateway entry no local row holds (an
 * "orphan") can only be tied to a payment by *when* it was created.
 *
 * The premise: the gateway is ours alone, so every orphan was created by one of our
 * submissions whose outcome we do not know yet — an unconfirmed payment (inside its attempt's
 * window) or an attempt still in flight (from its start on). From there, by elimination:
 * - an orphan that only one possible owner's window contains belongs to that owner: linked if
 *   it is unconfirmed (and has no second such orphan, which would contradict the premise),
 *   set aside if it is in flight (its own answer will claim it);
 * - each attribution can leave another orphan with a single owner: repeat until nothing moves;
 * - an unconfirmed payment left with no orphan in its window, once the list was read after the
 *   window closed, was never recorded: re-queue it (the only safe re-send);
 * - left with orphans only in-flight attempts compete for: decide in a later cycle;
 * - anything else is ambiguous and goes to an operator.
 */

export interface PossibleOwner {
  id: string;
  /** Epoch ms: the attempt's start. */
  from: number;
  /** Epoch ms: when its outcome became unknown; null while the attempt is still in flight. */
  until: number | null;
}

export interface Orphan {
  confirmationId: string;
  createdAt: number;
}

export interface MatchDecisions {
  links: Array<{ paymentId: string; confirmationId: string }>;
  requeue: string[];
  /** Decided in a later cycle: an attempt in flight may own the candidate, or the window is still open. */
  deferred: Array<{ paymentId: string; reason: 'in_flight' | 'window_open' }>;
  ambiguous: Array<{ paymentId: string; candidates: number }>;
  /** Orphans not tied to any payment. */
  unclaimed: string[];
}

export function matchUnconfirmed(
  owners: PossibleOwner[],
  orphans: Orphan[],
  options: { skewMs: number; listedAt: number },
): MatchDecisions {
  const { skewMs, listedAt } = options;
  const contains = (owner: PossibleOwner, orphan: Orphan) =>
    orphan.createdAt >= owner.from - skewMs && (owner.until === null || orphan.createdAt <= owner.until + skewMs);

  const decisions: MatchDecisions = { links: [], requeue: [], deferred: [], ambiguous: [], unclaimed: [] };
  let openOwners = [...owners];
  let openOrphans = [...orphans];
  const ownersOf = (orphan: Orphan) => openOwners.filter((owner) => contains(owner, orphan));

  for (let progress = true; progress; ) {
    progress = false;
    for (const orphan of openOrphans) {
      const possible = ownersOf(orphan);
      const [owner] = possible;
      if (possible.length !== 1 || !owner) continue;
      const exclusive = openOrphans.filter((other) => ownersOf(other).length === 1 && contains(owner, other));
      if (exclusive.length !== 1) continue; // two entries only it could own: the premise broke here
      if (owner.until !== null) decisions.links.push({ paymentId: owner.id, confirmationId: orphan.confirmationId });
      openOwners = openOwners.filter((o) => o !== owner);
      openOrphans = openOrphans.filter((o) => o !== orphan);
      progress = true;
      break;
    }
  }

  for (const owner of openOwners) {
    if (owner.until === null) continue;
    const candidates = openOrphans.filter((orphan) => contains(owner, orphan));
    if (candidates.length === 0) {
      if (listedAt > owner.until + skewMs) decisions.requeue.push(owner.id);
      else decisions.deferred.push({ paymentId: owner.id, reason: 'window_open' });
      continue;
    }
    const rivals = candidates.flatMap((orphan) => ownersOf(orphan).filter((other) => other !== owner));
    if (rivals.length > 0 && rivals.every((rival) => rival.until === null)) {
      decisions.deferred.push({ paymentId: owner.id, reason: 'in_flight' });
    } else {
      decisions.ambiguous.push({ paymentId: owner.id, candidates: candidates.length });
    }
  }
  decisions.unclaimed = openOrphans.map((orphan) => orphan.confirmationId);
  return decisions;
}
