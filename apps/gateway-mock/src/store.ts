/**
 * In-memory payment store.
 *
 * Payments live in one append-only array (the order of `GET /status`).
 * Pending payments also sit in a queue sorted by creation time, so lazy
 * resolution only walks the payments that are due, never all of them.
 */
import { newConfirmationId } from './ids.js';
import { cachedFormatter, type TimestampStyle } from './timestamps.js';

export type PaymentStatus = 'pending' | 'settled' | 'returned' | 'failed';
export type ResolvedStatus = Exclude<PaymentStatus, 'pending'>;
export type SeedStatus = PaymentStatus | 'mixed';

export interface Payment {
  readonly id: string;
  readonly sender: string;
  readonly receiver: string;
  readonly amount: number;
  readonly memo: string | null;
  status: PaymentStatus;
  readonly createdMs: number;
  readonly createdAt: string;
  updatedAt: string;
}

export interface NewPayment {
  sender_account: string;
  receiver_account: string;
  amount: number;
  memo?: string | null | undefined;
}

export interface SeedRequest {
  count: number;
  status?: SeedStatus | undefined;
  /** Creation time (epoch ms) of every seeded payment; default now. */
  createdMs?: number | undefined;
}

export interface StoreOptions {
  delayMs: number;
  timestampStyle: TimestampStyle;
}

/** Resolution by the receiver account's last character: 0–3 settled, 4–6 returned, 7–9 failed; non-digit = 0. */
export function resolutionFor(receiver: string): ResolvedStatus {
  const digit = receiver.charCodeAt(receiver.length - 1) - 48;
  if (!(digit >= 0 && digit <= 9)) return 'settled';
  if (digit <= 3) return 'settled';
  return digit <= 6 ? 'returned' : 'failed';
}

/** A last digit that resolves to each status, cycled through by seeding. */
const DIGITS_FOR: Record<ResolvedStatus, readonly number[]> = {
  settled: [0, 1, 2, 3],
  returned: [4, 5, 6],
  failed: [7, 8, 9],
};
const MIXED_CYCLE: readonly PaymentStatus[] = ['pending', 'settled', 'returned', 'failed'];
const ACCOUNT_POOL = 1000;

export class PaymentStore {
  readonly delayMs: number;
  #format: (ms: number) => string;
  #items: Payment[] = [];
  /** Pending payments sorted by createdMs; entries before #head are spent. */
  #queue: Payment[] = [];
  #head = 0;
  // Seeded accounts come from small pools: a million distinct strings would cost memory for nothing.
  #senders = Array.from({ length: ACCOUNT_POOL }, (_, i) => `SEED-SND-${String(i).padStart(6, '0')}`);
  #receivers = Array.from({ length: ACCOUNT_POOL }, (_, i) => `SEED-RCV-${String(i).padStart(6, '0')}`);

  constructor(options: StoreOptions) {
    this.delayMs = options.delayMs;
    this.#format = cachedFormatter(options.timestampStyle);
  }

  get size(): number {
    return this.#items.length;
  }

  get pendingCount(): number {
    return this.#queue.length - this.#head;
  }

  formatTimestamp(ms: number): string {
    return this.#format(ms);
  }

  /** Records a submitted payment as pending. */
  add(input: NewPayment, nowMs: number): Payment {
    const createdAt = this.#format(nowMs);
    const payment: Payment = {
      id: newConfirmationId(),
      sender: input.sender_account,
      receiver: input.receiver_account,
      amount: input.amount,
      memo: input.memo ?? null,
      status: 'pending',
      createdMs: nowMs,
      createdAt,
      updatedAt: createdAt,
    };
    this.#items.push(payment);
    this.#enqueue([payment]);
    return payment;
  }

  /** Bulk-creates payments; returns them in creation order. */
  seed(request: SeedRequest, nowMs: number): Payment[] {
    const { count, status = 'pending', createdMs = nowMs } = request;
    const createdAt = this.#format(createdMs);
    // A resolved seed is dated as if it resolved after the delay (never in the future).
    const resolvedAt = this.#format(Math.max(createdMs, Math.min(createdMs + this.delayMs, nowMs)));
    const batch: Payment[] = [];
    const pending: Payment[] = [];
    for (let i = 0; i < count; i++) {
      const target = status === 'mixed' ? (MIXED_CYCLE[i % 4] ?? 'pending') : status;
      const digits = target === 'pending' ? null : DIGITS_FOR[target];
      const digit = digits === null ? i % 10 : (digits[i % digits.length] ?? 0);
      const pool = Math.floor(i / 10) % (ACCOUNT_POOL / 10);
      const payment: Payment = {
        id: newConfirmationId(),
        sender: this.#senders[i % ACCOUNT_POOL] ?? 'SEED-SND',
        receiver: this.#receivers[pool * 10 + digit] ?? 'SEED-RCV-0',
        amount: ((i % 100_000) + 1) / 100,
        memo: null,
        status: target,
        createdMs,
        createdAt,
        updatedAt: target === 'pending' ? createdAt : resolvedAt,
      };
      batch.push(payment);
      if (target === 'pending') pending.push(payment);
    }
    for (const payment of batch) this.#items.push(payment);
    this.#enqueue(pending);
    return batch;
  }

  /** Resolves every pending payment whose delay has passed; returns how many changed. */
  resolveDue(nowMs: number): number {
    const queue = this.#queue;
    const cutoff = nowMs - this.delayMs;
    let head = this.#head;
    let resolved = 0;
    let updatedAt: string | undefined;
    while (head < queue.length) {
      const payment = queue[head];
      if (payment === undefined || payment.createdMs > cutoff) break;
      head++;
      if (payment.status !== 'pending') continue;
      updatedAt ??= this.#format(nowMs);
      payment.status = resolutionFor(payment.receiver);
      payment.updatedAt = updatedAt;
      resolved++;
    }
    this.#head = head;
    if (head > 1024 && head * 2 > queue.length) {
      this.#queue = queue.slice(head);
      this.#head = 0;
    }
    return resolved;
  }

  /**
   * The live payment array and its current length. Streams iterate up to
   * that length, so payments added meanwhile are not half-included, and
   * `clear()` swaps the array so a running stream keeps its snapshot.
   */
  snapshot(): { items: readonly Payment[]; length: number } {
    return { items: this.#items, length: this.#items.length };
  }

  clear(): number {
    const removed = this.#items.length;
    this.#items = [];
    this.#queue = [];
    this.#head = 0;
    return removed;
  }

  /** Adds payments (sorted by createdMs among themselves) to the pending queue, keeping it sorted. */
  #enqueue(batch: Payment[]): void {
    const first = batch[0];
    if (first === undefined) return;
    const queue = this.#queue;
    const last = queue[queue.length - 1];
    if (last === undefined || this.#head >= queue.length || last.createdMs <= first.createdMs) {
      for (const payment of batch) queue.push(payment);
      return;
    }
    // Out of order (a seed dated in the past, or a clock that went back): merge.
    const merged: Payment[] = [];
    let i = this.#head;
    let j = 0;
    while (i < queue.length || j < batch.length) {
      const a = queue[i];
      const b = batch[j];
      if (b === undefined || (a !== undefined && a.createdMs <= b.createdMs)) {
        if (a !== undefined) merged.push(a);
        i++;
      } else {
        merged.push(b);
        j++;
      }
    }
    this.#queue = merged;
    this.#head = 0;
  }
}
