import { randomBytes } from 'node:crypto';
import type { PaymentStatus } from '@pt/core';
import { clientId } from '../delivery-helpers.js';
import type { System } from '../harness.js';

/** Rows the filter and export tests insert as they are (created_at chosen, ids time-ordered like UUIDv7's). */
export interface SeededPayment {
  id: string;
  status: PaymentStatus;
  amount: string;
  sender_account: string;
  receiver_account: string;
  memo: string | null;
  created_at: string;
  last_error: string | null;
}

export const SENDER_A = '11112222';
export const SENDER_B = '11113333';
export const RARE_RECEIVER = '99990000';

const STATUSES: PaymentStatus[] = ['pending', 'settled', 'failed', 'received'];
const MEMOS = ['invoice 1', 'invoice 10', 'inv%oice', 'inv_oice', '=HYPERLINK("http://x")', 'refund', null, 'Invoice 2'];
const BASE = Date.parse('2026-01-01T00:00:00Z');

/** A UUIDv7 for a moment: 48 bits of milliseconds, version 7, variant 10, random rest. */
export function uuidV7At(ms: number): string {
  const hex = ms.toString(16).padStart(12, '0') + randomBytes(10).toString('hex');
  const variant = ((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** `count` payments of `client`, one an hour from 2026-01-01T00:00Z, attributes cycling so every filter splits them. */
export function makePayments(count: number, offsetMs = 0): SeededPayment[] {
  return Array.from({ length: count }, (_, i) => {
    const at = BASE + offsetMs + i * 3_600_000;
    return {
      id: uuidV7At(at),
      status: STATUSES[i % STATUSES.length] as PaymentStatus,
      amount: `${(i + 1) * 10}.50`,
      sender_account: i % 2 === 0 ? SENDER_A : SENDER_B,
      receiver_account: i % 3 === 0 ? RARE_RECEIVER : `8888000${i % 10}`,
      memo: MEMOS[i % MEMOS.length] ?? null,
      created_at: new Date(at).toISOString(),
      last_error: null,
    };
  });
}

/** Inserts the rows for the API client named `client`. */
export async function insertPayments(system: System, client: string, rows: readonly SeededPayment[]): Promise<void> {
  const owner = await clientId(system, client);
  for (const row of rows) {
    await system.sql`
      INSERT INTO payments (id, client_id, status, amount, sender_account, receiver_account, memo, last_error, created_at, updated_at)
      VALUES (${row.id}, ${owner}, ${row.status}, ${row.amount}, ${row.sender_account}, ${row.receiver_account},
              ${row.memo}, ${row.last_error}, ${row.created_at}, ${row.created_at})`;
  }
}
