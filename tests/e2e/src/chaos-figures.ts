/**
 * The chaos test's bookkeeping, kept apart so the test reads as a story: the fault mix, the
 * client's view of its answers, and the checks of our records against the gateway's.
 */
import type { FaultConfig } from '@pt/gateway-mock';

export const TERMINAL = ['settled', 'returned', 'failed', 'rejected'] as const;
const FROM_GATEWAY = new Set(['pending', 'settled', 'returned', 'failed']);

/**
 * Every fault the mock knows, each at a modest probability so most requests still get through,
 * plus the ones that break the old rules: a gateway that records a request after our deadline
 * (latency past GATEWAY_SUBMIT_TIMEOUT_MS, within GATEWAY_MAX_RECORDING_DELAY_MS) and proxies
 * that answer 503/504 after the gateway took the payment. The first rule that fires wins.
 */
export function chaosFaults(lateRecordingMs: number): FaultConfig {
  return {
    seed: 7,
    submit: [
      { kind: 'latency', latency_ms: 30, probability: 0.1 },
      { kind: 'latency', latency_ms: lateRecordingMs, probability: 0.03 },
      { kind: 'error', status_code: 500, probability: 0.04 },
      { kind: 'error', status_code: 502, probability: 0.03 },
      { kind: 'error', status_code: 503, probability: 0.05 },
      { kind: 'error', status_code: 504, probability: 0.03 },
      { kind: 'rate_limit', retry_after_s: 1, probability: 0.04 },
      { kind: 'hang', probability: 0.02 },
      { kind: 'reset', probability: 0.03 },
      { kind: 'malformed', probability: 0.03 },
      { kind: 'accept_then_error', status_code: 500, probability: 0.03 },
      { kind: 'accept_then_error', status_code: 503, probability: 0.03 },
      { kind: 'accept_then_error', status_code: 504, probability: 0.02 },
      { kind: 'accept_then_reset', probability: 0.03 },
      { kind: 'accept_then_hang', probability: 0.02 },
    ],
    status: [
      { kind: 'error', status_code: 500, probability: 0.1 },
      { kind: 'truncated', probability: 0.1 },
      { kind: 'reset', probability: 0.05 },
      { kind: 'latency', latency_ms: 100, probability: 0.1 },
    ],
  };
}

/** One entry of the mock's `GET /__mock/payments`. */
export interface GatewayEntry {
  confirmation_id: string;
  memo: string | null;
  status: string;
  created_at: string;
}

/** The columns of `payments` the checks read. */
export interface OurPayment {
  id: string;
  memo: string;
  status: string;
  confirmation_id: string | null;
  group_confirmation_ids: string[] | null;
  last_error: string | null;
}

export interface Violation {
  kind: string;
  memo: string;
  paymentId?: string;
  detail: Record<string, unknown>;
}

export interface Checked {
  lost: Violation[];
  doubled: Violation[];
  wrongLinks: Violation[];
  /** Said to be resolved by the gateway though it never recorded it, or rejected though it did. */
  misreported: Violation[];
  /** Neither terminal nor listed for an operator. */
  unlisted: Violation[];
  /** Linked payments whose status differs from their entry's (after settling, none should). */
  statusMismatch: Violation[];
  grouped: number;
  foreignEntries: number;
}

/**
 * Our records against the gateway's. `acknowledged` is memo → the payment id the API gave the
 * client; `listed` the ids in the operator report's `unconfirmed` list.
 */
export function checkRecords(
  acknowledged: ReadonlyMap<string, string>,
  ours: readonly OurPayment[],
  recorded: readonly GatewayEntry[],
  listed: ReadonlySet<string>,
): Checked {
  const ourMemos = new Set(ours.map((row) => row.memo));
  const rowsByMemo = groupBy(ours, (row) => row.memo);
  const entriesByMemo = groupBy(recorded, (entry) => entry.memo ?? '');
  const entryById = new Map(recorded.map((entry) => [entry.confirmation_id, entry]));
  const checked: Checked = {
    lost: [],
    doubled: [],
    wrongLinks: [],
    misreported: [],
    unlisted: [],
    statusMismatch: [],
    grouped: 0,
    foreignEntries: recorded.filter((entry) => !ourMemos.has(entry.memo ?? '')).length,
  };

  for (const [memo, id] of acknowledged) {
    const rows = rowsByMemo.get(memo) ?? [];
    if (rows.length !== 1 || rows[0]?.id !== id) {
      checked.lost.push({ kind: 'lost', memo, paymentId: id, detail: { stored: rows.map((r) => r.id) } });
    }
  }

  for (const [memo, entries] of entriesByMemo) {
    if (entries.length > 1) {
      checked.doubled.push({
        kind: 'doubled',
        memo,
        paymentId: rowsByMemo.get(memo)?.[0]?.id,
        detail: {
          entries: entries.map((e) => ({ confirmation_id: e.confirmation_id, created_at: e.created_at, status: e.status })),
        },
      });
    }
  }

  for (const row of ours) {
    const own = entriesByMemo.get(row.memo) ?? [];
    const about = { memo: row.memo, paymentId: row.id };
    if (row.confirmation_id) {
      const linked = entryById.get(row.confirmation_id);
      if (linked?.memo !== row.memo) {
        checked.wrongLinks.push({
          kind: linked ? 'linked to another payment’s entry' : 'linked to an entry the gateway does not have',
          ...about,
          detail: {
            status: row.status,
            confirmation_id: row.confirmation_id,
            linked_entry: linked ?? null,
            own_entries: own,
          },
        });
      } else if (linked.status !== row.status) {
        checked.statusMismatch.push({ kind: 'status', ...about, detail: { ours: row.status, gateway: linked.status } });
      }
    }
    if (row.group_confirmation_ids) {
      checked.grouped++;
      const terminal = (TERMINAL as readonly string[]).includes(row.status);
      const inGroup = own.length > 0 && own.every((entry) => row.group_confirmation_ids?.includes(entry.confirmation_id));
      if (!terminal || !inGroup) {
        checked.wrongLinks.push({
          kind: terminal ? 'resolved in a group that does not hold its entry' : 'group ids on a payment not terminal',
          ...about,
          detail: { status: row.status, group: row.group_confirmation_ids, own_entries: own },
        });
      }
    }
    if (!row.confirmation_id && !row.group_confirmation_ids && FROM_GATEWAY.has(row.status)) {
      checked.misreported.push({ kind: `${row.status} without any link`, ...about, detail: { own_entries: own } });
    }
    if (row.group_confirmation_ids && own.length === 0) {
      checked.misreported.push({ kind: `${row.status} as a group, never recorded`, ...about, detail: {} });
    }
    if (row.status === 'rejected' && own.length > 0) {
      checked.misreported.push({
        kind: 'rejected, yet the gateway recorded it',
        ...about,
        detail: { last_error: row.last_error, own_entries: own },
      });
    }
    const terminal = (TERMINAL as readonly string[]).includes(row.status);
    if (!terminal && !(row.status === 'unconfirmed' && listed.has(row.id))) {
      checked.unlisted.push({ kind: `${row.status}, not listed for an operator`, ...about, detail: {} });
    }
  }
  return checked;
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** A process's JSON log lines, parsed (the rest skipped). */
export function parseLogLines(lines: readonly string[]): Array<Record<string, unknown>> {
  const parsed: Array<Record<string, unknown>> = [];
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      parsed.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut by SIGKILL
    }
  }
  return parsed;
}
