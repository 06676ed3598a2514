import { createServer } from 'node:net';
import type { PaymentResponse } from '@pt/core';
import type { FaultConfig, GatewayMockStats } from '@pt/gateway-mock';
import { eventually, type System } from './harness.js';

/**
 * What the delivery and sync tests read and set: the gateway-mock's control surface over HTTP,
 * and the rows the service stored, straight from the test database.
 */

export interface MockPayment {
  confirmation_id: string;
  sender_account: string;
  receiver_account: string;
  amount: number;
  memo: string | null;
  status: string;
  created_at: string;
  updated_at: string;
}

export interface StoredPayment {
  status: string;
  confirmation_id: string | null;
  attempts: number;
  last_error: string | null;
  attempt_started_at: Date | null;
  next_attempt_at: Date | null;
  unconfirmed_from: Date | null;
  unconfirmed_until: Date | null;
  updated_at: Date;
}

export interface StoredEvent {
  from_status: string | null;
  to_status: string;
  source: string;
  reason: string | null;
  at: Date;
}

export const FINAL_STATUSES = ['settled', 'returned', 'failed'];

async function mockCall<T>(system: System, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${system.mock.url}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

export const setFaults = (system: System, faults: FaultConfig) => mockCall(system, 'PUT', '/__mock/faults', faults);
export const clearFaults = (system: System) => mockCall(system, 'DELETE', '/__mock/faults');
export const mockStats = (system: System) => mockCall<GatewayMockStats>(system, 'GET', '/__mock/stats');
export const mockPayments = (system: System) => mockCall<MockPayment[]>(system, 'GET', '/__mock/payments');

/** Submits straight to the gateway, as a process of ours that then died would have. */
export const submitToGateway = (system: System, body: Record<string, unknown>) =>
  mockCall<{ confirmation_id: string; created_at: string }>(system, 'POST', '/submit', body);

/** Every entry the gateway recorded with this memo (memos are unique per test). */
export async function recordedWithMemo(system: System, memo: string): Promise<MockPayment[]> {
  return (await mockPayments(system)).filter((p) => p.memo === memo);
}

let memoCounter = 0;
/** A memo no other payment of the run carries, so the gateway's records can be told apart. */
export function uniqueMemo(label: string): string {
  memoCounter++;
  return `${label} #${memoCounter} ${process.pid}`;
}

export async function storedPayment(system: System, id: string): Promise<StoredPayment> {
  const [row] = await system.sql<StoredPayment[]>`
    SELECT status, confirmation_id, attempts, last_error, attempt_started_at, next_attempt_at,
           unconfirmed_from, unconfirmed_until, updated_at
    FROM payments WHERE id = ${id}`;
  if (!row) throw new Error(`no payment ${id}`);
  return row;
}

export async function storedEvents(system: System, id: string): Promise<StoredEvent[]> {
  return system.sql<StoredEvent[]>`
    SELECT from_status, to_status, source, reason, at FROM payment_events WHERE payment_id = ${id} ORDER BY id`;
}

/** Waits until the stored payment is in one of `statuses`. */
export function waitForStatus(system: System, id: string, statuses: string[], timeoutMs = 15_000): Promise<StoredPayment> {
  return eventually(
    async () => {
      const row = await storedPayment(system, id);
      return statuses.includes(row.status) ? row : undefined;
    },
    { timeoutMs, intervalMs: 50, what: `payment ${id} to reach ${statuses.join('|')}` },
  );
}

/** Waits for a reconciliation that started after `since` to complete (it saved last_synced_at). */
export function waitForSyncAfter(system: System, since: Date, timeoutMs = 15_000): Promise<Date> {
  return eventually(
    async () => {
      const [row] = await system.sql<{ last_synced_at: Date | null }[]>`
        SELECT last_synced_at FROM sync_state WHERE name = 'gateway'`;
      return row?.last_synced_at && row.last_synced_at.getTime() > since.getTime() ? row.last_synced_at : undefined;
    },
    { timeoutMs, intervalMs: 25, what: `a sync started after ${since.toISOString()}` },
  );
}

/** The captured log lines (JSON) whose message is `msg`, optionally for one payment. */
export function logLines(system: System, msg: string, paymentId?: string): Array<Record<string, unknown>> {
  return system.logs.lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.msg === msg && (paymentId === undefined || entry.paymentId === paymentId));
}

/** The id of the API client `name` (for rows the tests insert themselves). */
export async function clientId(system: System, name: string): Promise<string> {
  const [row] = await system.sql<{ id: string }[]>`SELECT id FROM api_clients WHERE name = ${name}`;
  if (!row) throw new Error(`no client ${name}`);
  return row.id;
}

/** The sender account of postPayment's payments: the client must own it (createClient's accounts). */
export const POST_PAYMENT_SENDER = '11112222';

/** Posts a payment to our API; receiver's last digit decides the gateway's resolution. */
export function postPayment(client: ReturnType<System['as']>, memo: string, receiverDigit = 1, sender = POST_PAYMENT_SENDER) {
  return client.post<PaymentResponse>('/payments', {
    sender_account: sender,
    receiver_account: `4444555${receiverDigit}`,
    amount: '12.34',
    memo,
  });
}

export const finalStatusFor = (digit: number) => (digit <= 3 ? 'settled' : digit <= 6 ? 'returned' : 'failed');

/** Payments whose status is not where their last event says: a change written without its event. */
export async function paymentsOutOfStepWithEvents(system: System): Promise<string[]> {
  const rows = await system.sql<{ id: string }[]>`
    SELECT p.id FROM payments p
    WHERE p.status IS DISTINCT FROM (SELECT e.to_status FROM payment_events e WHERE e.payment_id = p.id ORDER BY e.id DESC LIMIT 1)`;
  return rows.map((row) => row.id);
}

/** Has the mock resolve what is due (it resolves lazily, on a read of /status). */
export async function readGatewayStatus(system: System): Promise<void> {
  await (await fetch(`${system.mock.url}/status`)).text();
}

/**
 * One accepted payment through the API: its attempt is the first sample of the gateway's clock
 * offset, without which no unknown outcome is judged (windows live in the gateway's clock).
 */
export async function measureGatewayClock(client: ReturnType<System['as']>): Promise<void> {
  const answer = await postPayment(client, uniqueMemo('clock sample'));
  if (answer.status !== 201) throw new Error(`the clock-sample payment answered ${answer.status}`);
}

/** GATEWAY_CLOCK_SKEW_MS and GATEWAY_MAX_RECORDING_DELAY_MS as the harness sets them. */
export const HARNESS_SKEW_MS = 200;
export const HARNESS_RECORDING_DELAY_MS = 300;

/**
 * The least time after an unknown outcome's `unconfirmed_until` before a list may close its
 * window: the recording delay, plus the clock margin on both sides (the window's end and the
 * cycle's cutoff). The offset's measured uncertainty only adds to it, so this is a lower bound
 * for assertions ("re-queued no sooner than"), not a time to wait for.
 */
export const WINDOW_CLOSES_AFTER_MS = HARNESS_RECORDING_DELAY_MS + 2 * HARNESS_SKEW_MS;

/** How far apart the bounds of the gateway's measured clock offset are (0 before any cycle saved them). */
async function clockSpreadMs(system: System): Promise<number> {
  const [state] = await system.sql<{ low: number | null; high: number | null }[]>`
    SELECT clock_offset_low_ms AS low, clock_offset_high_ms AS high FROM sync_state WHERE name = 'gateway'`;
  return state?.low != null && state.high != null ? Number(state.high) - Number(state.low) : 0;
}

/**
 * Waits for a reconciliation that started after the window of `id`'s unknown outcome closed as
 * the syncer judges it: past `unconfirmed_until` by WINDOW_CLOSES_AFTER_MS plus the uncertainty of
 * the clock offset that cycle used. Returns that cycle's start. Call it while the payment is
 * still `unconfirmed` (its window is read first).
 */
export async function waitForWindowClosed(system: System, id: string, timeoutMs = 15_000): Promise<Date> {
  const row = await storedPayment(system, id);
  const until = row.unconfirmed_until?.getTime();
  if (until === undefined) throw new Error(`payment ${id} has no unknown outcome (status ${row.status})`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const closesAt = until + WINDOW_CLOSES_AFTER_MS + (await clockSpreadMs(system)) + 1;
    const syncedAt = await waitForSyncAfter(system, new Date(Math.max(Date.now(), closesAt)), deadline - Date.now());
    if (syncedAt.getTime() > until + WINDOW_CLOSES_AFTER_MS + (await clockSpreadMs(system))) return syncedAt;
    if (Date.now() > deadline) throw new Error(`timed out waiting for the window of payment ${id} to close`);
  }
}

/**
 * A time (our clock, epoch ms) by which the window of `id`'s unknown outcome has surely closed,
 * for tests whose syncer is stopped: its end plus WINDOW_CLOSES_AFTER_MS plus the width of the
 * latest clock sample (the offset's uncertainty is never wider than a sample of its era).
 */
export async function windowSurelyClosedAt(system: System, id: string): Promise<number> {
  const row = await storedPayment(system, id);
  const until = row.unconfirmed_until?.getTime();
  if (until === undefined) throw new Error(`payment ${id} has no unknown outcome (status ${row.status})`);
  const [sample] = await system.sql<{ width: number }[]>`
    SELECT (extract(epoch FROM ended_at - started_at) * 1000)::float8 AS width FROM payment_attempts
    WHERE outcome = 'accepted' AND gateway_created_at IS NOT NULL ORDER BY ended_at DESC LIMIT 1`;
  if (!sample) throw new Error('no accepted submit yet: the gateway clock is unknown, no window can close');
  return until + WINDOW_CLOSES_AFTER_MS + Math.ceil(sample.width);
}

/** The 'unconfirmed payment waits' decisions logged for a payment, with their reasons in order. */
export function waitReasons(system: System, paymentId: string): string[] {
  return logLines(system, 'unconfirmed payment waits', paymentId).map((line) => String(line.reason));
}

/** A URL on which nothing listens: a port the OS gave us, closed again (connections are refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

/**
 * An accepted payment sent after every unknown outcome so far has closed its window: the sample
 * on the far side that confirms the gateway's clock did not step meanwhile. Until one exists, an
 * unknown outcome is not judged; in production the next payment does this.
 */
export async function confirmGatewayClock(client: ReturnType<System['as']>): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, WINDOW_CLOSES_AFTER_MS));
  await measureGatewayClock(client);
}

/** Whether an accepted submit (a clock sample) was answered before `at`. */
async function clockSampleBefore(system: System, at: Date): Promise<boolean> {
  const [row] = await system.sql<{ n: number }[]>`
    SELECT count(*)::int AS n FROM payment_attempts
    WHERE outcome = 'accepted' AND gateway_created_at IS NOT NULL AND ended_at < ${at}`;
  return (row?.n ?? 0) > 0;
}

/**
 * Confirms the gateway's clock around the unknown outcome of `id` (call it while the payment is
 * `unconfirmed`), as the next payment would in production: waits until its window closed
 * (WINDOW_CLOSES_AFTER_MS past `unconfirmed_until`), then makes one accepted payment, the sample
 * sent after the window's end (always one, even when other traffic, such as the syncer's, already
 * was: the tests' counts stay fixed). Fails at once when no sample was answered before the attempt
 * began (the other side: measureGatewayClock first). Clear or count-limit the mock's submit faults
 * first. Each call is exactly one more accepted submission; returns the payment's memo.
 */
export async function confirmGatewayClockAfter(system: System, client: ReturnType<System['as']>, id: string): Promise<string> {
  const row = await storedPayment(system, id);
  const from = row.unconfirmed_from;
  const until = row.unconfirmed_until;
  if (row.status !== 'unconfirmed' || !from || !until)
    throw new Error(`payment ${id} has no unknown outcome (status ${row.status})`);
  if (!(await clockSampleBefore(system, from)))
    throw new Error(`no clock sample answered before payment ${id}'s attempt began: its window can never be confirmed`);
  const wait = until.getTime() + WINDOW_CLOSES_AFTER_MS - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const memo = uniqueMemo('clock confirmation');
  const answer = await postPayment(client, memo);
  if (answer.status !== 201) throw new Error(`the clock-confirming payment answered ${answer.status}`);
  return memo;
}

/**
 * Waits until the syncer has judged the unknown outcome of `id` past its window, whatever the
 * margin: the latest decision it logged for the payment is neither `clock_unknown` (window not yet
 * confirmed) nor `window_open` (not yet closed as the syncer measures it, with the margin its
 * slowest clock sample adds, which waitForWindowClosed does not know), or the payment has left
 * `unconfirmed`. Returns that decision (e.g. 'deferred:in_flight'), or null in the latter case.
 */
export function waitForJudgement(system: System, id: string, timeoutMs = 15_000): Promise<string | null> {
  return eventually(
    async () => {
      if ((await storedPayment(system, id)).status !== 'unconfirmed') return null;
      const decisions = system.logs.lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) => entry.paymentId === id && typeof entry.decision === 'string')
        .map((entry) => entry.decision as string);
      const last = decisions.at(-1);
      return last !== undefined && !/^deferred:(clock_unknown|window_open)$/.test(last) ? last : undefined;
    },
    { timeoutMs, intervalMs: 50, what: `the syncer to judge payment ${id} past its window` },
  );
}

/**
 * As windowSurelyClosedAt, with the margin the syncer widens by its slowest clock sample
 * (GATEWAY_CLOCK_SKEW_MS, or half of it plus the slowest round trip, on each side of the window):
 * a time (our clock, epoch ms) by which the window of `id`'s unknown outcome has surely closed
 * for a syncer that meets the samples taken so far, for tests whose syncer is stopped.
 */
export async function windowSurelyClosedForSyncerAt(system: System, id: string): Promise<number> {
  const row = await storedPayment(system, id);
  const until = row.unconfirmed_until?.getTime();
  if (until === undefined) throw new Error(`payment ${id} has no unknown outcome (status ${row.status})`);
  const [widths] = await system.sql<{ latest: number | null; slowest: number | null }[]>`
    SELECT (array_agg(extract(epoch FROM ended_at - started_at) * 1000 ORDER BY ended_at DESC))[1]::float8 AS latest,
           max(extract(epoch FROM ended_at - started_at) * 1000)::float8 AS slowest
    FROM payment_attempts WHERE outcome = 'accepted' AND gateway_created_at IS NOT NULL AND ended_at IS NOT NULL`;
  if (widths?.latest == null || widths.slowest == null)
    throw new Error('no accepted submit yet: the gateway clock is unknown, no window can close');
  const margin = Math.max(HARNESS_SKEW_MS, HARNESS_SKEW_MS / 2 + widths.slowest);
  return until + HARNESS_RECORDING_DELAY_MS + 2 * margin + Math.ceil(widths.latest);
}
