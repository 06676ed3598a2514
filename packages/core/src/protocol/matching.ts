/**
 * Deciding what became of submissions whose outcome is unknown, from the complete status list
 * alone. The gateway gives no amounts, accounts or idempotency key: an entry no payment holds
 * (an "unowned" entry) can only be tied to a payment by *when* the gateway created it, in the
 * gateway's own clock (see clock.ts for how windows are placed there).
 *
 * The premise: only we create entries, and each of our attempts creates at most one, inside
 * its window. From there, by elimination, for owners whose windows are all closed:
 * - an entry that only one owner's window holds, and the only such entry of that owner, is its;
 * - an owner left with no entry was never recorded: it may be sent again (re-queued);
 * - k owners and exactly k entries that only they can own were all delivered: if the entries
 *   share a terminal status, every payment of the group takes it (a group resolution);
 * - anything else is ambiguous and goes to an operator.
 * An unowned entry inside no window breaks the premise (someone else submits, or the gateway
 * recorded a request later than the bound): it is "foreign", and automatic decisions stop.
 * Decisions need a list that agrees with our records, a known clock, and closed windows;
 * otherwise they wait.
 *
 * Pure: the caller passes owners, entries and the cycle's times.
 */
import type { GatewayStatus } from '../payments/status.js';

export interface Owner {
  paymentId: string;
  attempt: number;
  /** unconfirmed: its outcome is unknown; in_flight: an attempt open when the cycle started. */
  state: 'unconfirmed' | 'in_flight';
  /** Gateway-clock window (epoch ms), or null when the clock offset for it is not known. */
  window: { from: number; until: number } | null;
}

export interface UnownedEntry {
  confirmationId: string;
  /** Gateway clock, epoch ms. */
  createdAt: number;
  status: GatewayStatus;
}

export interface MatchInput {
  owners: readonly Owner[];
  /** Entries of the list that no payment holds and no operator acknowledged. */
  entries: readonly UnownedEntry[];
  /**
   * The earliest the gateway's clock could read when the owners were loaded: an attempt started
   * later cannot own an entry created before it, and a window ending before it is closed.
   * Null when the clock is unknown.
   */
  cutoff: number | null;
  /** Entries created before this were checked for foreign ones by an earlier cycle. */
  foreignWatermark: number | null;
  /** False when the list contradicted our records (tracked payments missing, duplicates, unreadable entries). */
  listTrusted: boolean;
  /** True while foreign entries wait for an operator's acknowledgement. */
  paused: boolean;
}

export type DeferReason = 'window_open' | 'in_flight' | 'clock_unknown' | 'list_untrusted' | 'paused' | 'group_pending';
export type AmbiguousReason = 'overlapping_windows' | 'more_entries_than_payments' | 'group_statuses_differ';

export interface OwnerRef {
  paymentId: string;
  attempt: number;
}

export interface MatchDecisions {
  links: Array<OwnerRef & { confirmationId: string; status: GatewayStatus }>;
  /** Never recorded by the gateway (no entry in a closed window of a trusted list). */
  unrecorded: OwnerRef[];
  groups: Array<{ owners: OwnerRef[]; confirmationIds: string[]; status: GatewayStatus }>;
  deferred: Array<OwnerRef & { reason: DeferReason }>;
  ambiguous: Array<OwnerRef & { reason: AmbiguousReason; candidates: string[] }>;
  /** Entries inside some window that no decision took: shown to an operator. */
  candidates: UnownedEntry[];
  /** Entries inside no window, created since the watermark: the premise broke. */
  foreign: UnownedEntry[];
}

const TERMINAL_AT_GATEWAY = new Set<GatewayStatus>(['settled', 'returned', 'failed']);

export function matchUnconfirmed(input: MatchInput): MatchDecisions {
  const decisions: MatchDecisions = {
    links: [],
    unrecorded: [],
    groups: [],
    deferred: [],
    ambiguous: [],
    candidates: [],
    foreign: [],
  };
  const unconfirmed = input.owners.filter((o) => o.state === 'unconfirmed');
  const ref = (o: Owner): OwnerRef => ({ paymentId: o.paymentId, attempt: o.attempt });
  const cutoff = input.cutoff;
  if (cutoff === null) {
    for (const o of unconfirmed) decisions.deferred.push({ ...ref(o), reason: 'clock_unknown' });
    return decisions;
  }

  // Entries created after the cutoff may belong to attempts this cycle did not load: next cycle.
  const entries = input.entries.filter((e) => e.createdAt < cutoff);
  const holds = (o: Owner, e: UnownedEntry) =>
    o.window === null || (e.createdAt >= o.window.from && e.createdAt <= o.window.until);
  const ownersOf = new Map<UnownedEntry, Owner[]>();
  for (const e of entries) {
    const owners = input.owners.filter((o) => holds(o, e));
    if (owners.length > 0) ownersOf.set(e, owners);
    else if (input.foreignWatermark !== null && e.createdAt >= input.foreignWatermark) decisions.foreign.push(e);
  }
  const paused = input.paused || decisions.foreign.length > 0;

  for (const component of components(input.owners, [...ownersOf.keys()], holds)) {
    const waiting = whyWait(component.owners, cutoff, input.listTrusted, paused);
    if (waiting) {
      for (const o of component.owners) if (o.state === 'unconfirmed') decisions.deferred.push({ ...ref(o), reason: waiting });
      decisions.candidates.push(...component.entries);
      continue;
    }
    decideClosed(component.owners, component.entries, holds, decisions);
  }
  return decisions;
}

/** Why a group of connected owners cannot be judged in this cycle, if it cannot. */
function whyWait(owners: readonly Owner[], cutoff: number, listTrusted: boolean, paused: boolean): DeferReason | null {
  if (owners.some((o) => o.window === null)) return 'clock_unknown';
  if (owners.some((o) => o.state === 'in_flight')) return 'in_flight';
  if (owners.some((o) => (o.window?.until ?? Number.POSITIVE_INFINITY) >= cutoff)) return 'window_open';
  if (paused) return 'paused';
  if (!listTrusted) return 'list_untrusted';
  return null;
}

/** Owners and entries joined by "this window holds this entry", split into connected groups. */
function components(
  owners: readonly Owner[],
  entries: readonly UnownedEntry[],
  holds: (o: Owner, e: UnownedEntry) => boolean,
): Array<{ owners: Owner[]; entries: UnownedEntry[] }> {
  const parent = owners.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i] as number] as number;
    return i;
  };
  const entryRoot = new Map<UnownedEntry, number>();
  for (const e of entries) {
    let root: number | undefined;
    owners.forEach((o, i) => {
      if (!holds(o, e)) return;
      if (root === undefined) root = find(i);
      else parent[find(i)] = root;
    });
    if (root !== undefined) entryRoot.set(e, root);
  }
  const byRoot = new Map<number, { owners: Owner[]; entries: UnownedEntry[] }>();
  owners.forEach((o, i) => {
    const root = find(i);
    const group = byRoot.get(root) ?? { owners: [], entries: [] };
    group.owners.push(o);
    byRoot.set(root, group);
  });
  for (const [e, root] of entryRoot) byRoot.get(find(root))?.entries.push(e);
  return [...byRoot.values()];
}

/** Elimination, then groups, over owners whose windows all closed before a trusted list was read. */
function decideClosed(
  owners: Owner[],
  entries: UnownedEntry[],
  holds: (o: Owner, e: UnownedEntry) => boolean,
  decisions: MatchDecisions,
): void {
  let openOwners = [...owners];
  let openEntries = [...entries];
  const ownersOf = (e: UnownedEntry) => openOwners.filter((o) => holds(o, e));

  for (let progress = true; progress; ) {
    progress = false;
    for (const entry of openEntries) {
      const [owner, ...others] = ownersOf(entry);
      if (!owner || others.length > 0) continue;
      const exclusive = openEntries.filter((e) => holds(owner, e) && ownersOf(e).length === 1);
      if (exclusive.length !== 1) continue; // two entries only it could own: left for the group rules
      decisions.links.push({
        paymentId: owner.paymentId,
        attempt: owner.attempt,
        confirmationId: entry.confirmationId,
        status: entry.status,
      });
      openOwners = openOwners.filter((o) => o !== owner);
      openEntries = openEntries.filter((e) => e !== entry);
      progress = true;
      break;
    }
  }

  const withCandidates: Owner[] = [];
  for (const owner of openOwners) {
    if (openEntries.some((e) => holds(owner, e))) withCandidates.push(owner);
    else decisions.unrecorded.push({ paymentId: owner.paymentId, attempt: owner.attempt });
  }
  for (const group of components(withCandidates, openEntries, holds)) {
    const refs = group.owners.map((o) => ({ paymentId: o.paymentId, attempt: o.attempt }));
    const ids = group.entries.map((e) => e.confirmationId);
    if (group.entries.length === group.owners.length) {
      const statuses = new Set(group.entries.map((e) => e.status));
      const [status] = statuses;
      if (statuses.size === 1 && status && TERMINAL_AT_GATEWAY.has(status)) {
        decisions.groups.push({ owners: refs, confirmationIds: ids, status });
        continue;
      }
      if (statuses.has('pending')) {
        for (const r of refs) decisions.deferred.push({ ...r, reason: 'group_pending' });
        decisions.candidates.push(...group.entries);
        continue;
      }
    }
    const reason: AmbiguousReason =
      group.entries.length === group.owners.length
        ? 'group_statuses_differ'
        : group.entries.length > group.owners.length
          ? 'more_entries_than_payments'
          : 'overlapping_windows';
    for (const r of refs) decisions.ambiguous.push({ ...r, reason, candidates: ids });
    decisions.candidates.push(...group.entries);
  }
}
