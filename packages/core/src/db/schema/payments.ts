import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { PAYMENT_STATUSES } from '../../payments/status.js';
import { STATUS_SQL, SYNCED_LIST } from '../sql-fragments.js';
import { apiClients } from './api-clients.js';

const statusList = sql.raw(PAYMENT_STATUSES.map((s) => `'${s}'`).join(', '));

/**
 * A payment is its own outbox: it is stored as `received` before any call to the gateway.
 * attempt_started_at is set (and committed) before each submission and cleared when its
 * outcome is recorded, so a crash mid-attempt is visible as a `received` row whose lease
 * (next_attempt_at) ran out with an attempt still open: its outcome is unknown.
 */
export const payments = pgTable(
  'payments',
  {
    id: uuid('id').primaryKey(),
    clientId: uuid('client_id')
      .notNull()
      .references(() => apiClients.id),
    status: text('status').notNull(),
    amount: numeric('amount', { precision: 14, scale: 2 }).notNull(),
    senderAccount: text('sender_account').notNull(),
    receiverAccount: text('receiver_account').notNull(),
    memo: text('memo'),
    confirmationId: text('confirmation_id'),
    attempts: integer('attempts').notNull().default(0),
    attemptStartedAt: timestamp('attempt_started_at', { withTimezone: true }),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    /**
     * The ambiguous attempt, in the database's clock: from before its request left us to after
     * we gave up on its answer. The gateway-clock window is derived from it (see windowFor).
     */
    unconfirmedFrom: timestamp('unconfirmed_from', { withTimezone: true }),
    unconfirmedUntil: timestamp('unconfirmed_until', { withTimezone: true }),
    /**
     * The same window in the gateway's clock (epoch ms), widened by the clock offset's
     * uncertainty and the recording delay; stored once samples on both sides confirm the offset.
     */
    windowFromGw: bigint('window_from_gw', { mode: 'number' }),
    windowUntilGw: bigint('window_until_gw', { mode: 'number' }),
    /** Gateway entries a group resolution tied to this payment (all delivered, none certainly its own). */
    groupConfirmationIds: text('group_confirmation_ids').array(),
    lastError: text('last_error'),
    gatewayCreatedAt: timestamp('gateway_created_at', { withTimezone: true }),
    gatewayUpdatedAt: timestamp('gateway_updated_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    lastSyncedAt: timestamp('last_synced_at', { withTimezone: true }),
    /** Set when a complete status list no longer held this pending payment's confirmation_id. */
    gatewayMissingSince: timestamp('gateway_missing_since', { withTimezone: true }),
    /** The sequence number of this payment's last status change (its first event, `received`, is 1). */
    eventSeq: integer('event_seq').notNull().default(0),
  },
  (t) => [
    check('payments_status_check', sql`${t.status} IN (${statusList})`),
    check('payments_amount_positive', sql`${t.amount} > 0`),
    uniqueIndex('payments_confirmation_id_key').on(t.confirmationId),
    // GET /payments: a client's payments newest first (ids are UUIDv7, so id order is time order)
    index('payments_client_id_idx').on(t.clientId, t.id.desc()),
    index('payments_client_status_id_idx').on(t.clientId, t.status, t.id.desc()),
    // GET /payments's selective equality and prefix filters, on columns written once at insert. The
    // other filters need no index (plans at 1M, and what each index costs the sync cycle: an update
    // of status is not HOT, so it adds an entry to every index): bench/README.md.
    index('payments_client_receiver_id_idx').on(t.clientId, t.receiverAccount, t.id.desc()),
    // text_pattern_ops: LIKE 'prefix%' uses it whatever the database's collation
    index('payments_client_memo_idx').on(t.clientId, t.memo.op('text_pattern_ops')),
    // the syncer's work queues stay small: only rows that still need something
    index('payments_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = ${sql.raw(STATUS_SQL.received)}`),
    // cleared each cycle, so kept small by a partial index
    index('payments_missing_idx').on(t.gatewayMissingSince).where(sql`${t.gatewayMissingSince} IS NOT NULL`),
    index('payments_open_idx')
      .on(t.status)
      .where(sql`${t.status} IN (${sql.raw(SYNCED_LIST)})`),
  ],
);

/**
 * One row per send, written before the request leaves (attempt number = payments.attempts at
 * the time). Outcomes are recorded here whatever happened to the payment meanwhile, so a late
 * answer is never lost. started_at/ended_at are the database's clock around the request; with
 * the gateway's created_at of an accepted attempt they bracket the gateway's clock offset.
 */
export const paymentAttempts = pgTable(
  'payment_attempts',
  {
    paymentId: uuid('payment_id')
      .notNull()
      .references(() => payments.id),
    attempt: integer('attempt').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    leaseUntil: timestamp('lease_until', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** accepted | not_delivered | ambiguous | rejected | interrupted (lease ran out); null while in flight */
    outcome: text('outcome'),
    reason: text('reason'),
    confirmationId: text('confirmation_id'),
    gatewayCreatedAt: timestamp('gateway_created_at', { withTimezone: true }),
    /** True when the answer came after the attempt was no longer current (fenced off). */
    late: integer('late').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.paymentId, t.attempt] }),
    // clock samples and careful-mode inputs: the most recent outcomes
    index('payment_attempts_ended_idx').on(t.endedAt),
    // careful mode's quiet period: when the last unknown outcome ended
    index('payment_attempts_unknown_idx').on(t.endedAt).where(sql`${t.outcome} IN ('ambiguous', 'interrupted')`),
  ],
);

/**
 * Every status change, written in the same statement as the change itself: the webhooks' outbox.
 * A change of status carries its per-payment `seq` and `snapshot` (the payment's mutable fields
 * as they were then); an event that notes something without changing the status has neither.
 *
 * payment_id names a payment without a foreign key: the key's per-row check and lock weighed
 * on the sync cycle's bulk apply (figures in bench/README.md). Two triggers (migration
 * 0008_event_payment_guard) keep the same guarantee: every statement that writes events checks
 * once, as a set, that each names a payment, and payments are never deleted nor truncated, so a
 * payment that existed when its event was written exists for good.
 */
export const paymentEvents = pgTable(
  'payment_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    paymentId: uuid('payment_id').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    source: text('source').notNull(),
    reason: text('reason'),
    /** Who caused it when a person did: the admin key's public id (source `operator`). */
    actor: text('actor'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    seq: integer('seq'),
    snapshot: jsonb('snapshot').$type<EventSnapshot>(),
    /**
     * The writing transaction: the dispatcher takes events whose transaction ended (below the
     * oldest one still running), so an event committed late behind a higher id is never skipped.
     * A full (epoch-extended, never wrapping) transaction id, as bigint: BRIN has no xid8 class.
     */
    txid: bigint('txid', { mode: 'number' }).notNull().default(sql`pg_current_xact_id()::text::bigint`),
  },
  (t) => [
    // every status change is in the outbox: a statement that forgets its seq fails, in every test
    check('payment_events_change_has_seq', sql`${t.fromStatus} IS NOT DISTINCT FROM ${t.toStatus} OR ${t.seq} IS NOT NULL`),
    index('payment_events_payment_id_idx').on(t.paymentId, t.id),
    // BRIN: transaction ids grow with the table, and a BRIN entry costs the bulk apply next to nothing
    index('payment_events_txid_idx').using('brin', t.txid),
  ],
);

/** The fields of a payment a status change may move, as the change left them (JSON, ISO times). */
export interface EventSnapshot {
  confirmation_id: string | null;
  last_error: string | null;
  submitted_at: string | null;
  resolved_at: string | null;
  updated_at: string;
  last_synced_at: string | null;
}

/**
 * Idempotency-Key records, scoped per client (Stripe's semantics). response_status is null
 * while the first request is in flight; afterwards the stored answer is replayed.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    clientId: uuid('client_id')
      .notNull()
      .references(() => apiClients.id),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    paymentId: uuid('payment_id').references(() => payments.id),
    responseStatus: integer('response_status'),
    responseBody: text('response_body'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('idempotency_keys_pk').on(t.clientId, t.key), index('idempotency_keys_created_idx').on(t.createdAt)],
);

/**
 * Gateway entries no local payment holds, found inside an unconfirmed payment's submission
 * window and not linked (ambiguous): what an operator needs to settle it by hand.
 */
export const gatewayOrphans = pgTable('gateway_orphans', {
  confirmationId: text('confirmation_id').primaryKey(),
  status: text('status').notNull(),
  gatewayCreatedAt: timestamp('gateway_created_at', { withTimezone: true }).notNull(),
  firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull().defaultNow(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
  /**
   * candidate: inside an unconfirmed payment's window, not attributable; foreign: inside no
   * window at all (someone else submits, or the gateway recorded later than the bound);
   * late_accept: a fenced-off attempt's acceptance arriving after a newer attempt (double send).
   */
  kind: text('kind').notNull().default('candidate'),
  paymentId: uuid('payment_id'),
  acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
  acknowledgedBy: text('acknowledged_by'),
  acknowledgeReason: text('acknowledge_reason'),
});

/** One row per sync stream (only 'gateway' today): the syncer's freshness and counters. */
export const syncState = pgTable('sync_state', {
  name: text('name').primaryKey(),
  lastSyncedAt: timestamp('last_synced_at', { withTimezone: true }),
  lastCycleMs: integer('last_cycle_ms'),
  lastEntries: integer('last_entries'),
  lastChanged: integer('last_changed'),
  lastOrphans: integer('last_orphans'),
  lastError: text('last_error'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  /** Careful mode: set while the gateway misbehaves (sends one at a time, none inline). */
  carefulSince: timestamp('careful_since', { withTimezone: true }),
  carefulReason: text('careful_reason'),
  /** The gateway's clock minus the database's, as bracketed by the latest samples (ms). */
  clockOffsetLowMs: bigint('clock_offset_low_ms', { mode: 'number' }),
  clockOffsetHighMs: bigint('clock_offset_high_ms', { mode: 'number' }),
  clockAlarm: text('clock_alarm'),
  /** Why the last cycle took no absence decision (the list contradicted our records), if it did not. */
  listAlarm: text('list_alarm'),
  /** Gateway entries created before this (gateway clock, epoch ms) were already checked for foreign ones. */
  foreignWatermarkGw: bigint('foreign_watermark_gw', { mode: 'number' }),
  /** The most entries a complete list ever held: the history never shrinks unless wiped. */
  maxEntries: bigint('max_entries', { mode: 'number' }),
});
