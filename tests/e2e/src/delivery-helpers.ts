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

/** Posts a payment to our API; receiver's last digit decides the gateway's resolution. */
export function postPayment(client: ReturnType<System['as']>, memo: string, receiverDigit = 1) {
  return client.post<PaymentResponse>('/payments', {
    sender_account: '11112222',
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
