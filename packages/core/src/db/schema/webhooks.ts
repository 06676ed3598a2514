import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { apiClients } from './api-clients.js';

/**
 * A client's webhook endpoint. `secret` signs every delivery; after a rotation the previous one
 * signs too until `previous_secret_until`, so a receiver can switch without losing any.
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: uuid('id').primaryKey(),
    clientId: uuid('client_id')
      .notNull()
      .references(() => apiClients.id),
    url: text('url').notNull(),
    eventTypes: text('event_types').array().notNull(),
    enabled: boolean('enabled').notNull().default(true),
    description: text('description'),
    secret: text('secret').notNull(),
    previousSecret: text('previous_secret'),
    previousSecretUntil: timestamp('previous_secret_until', { withTimezone: true }),
    /** Since when every attempt failed (null after a success); the auto-disable measures from it. */
    failingSince: timestamp('failing_since', { withTimezone: true }),
    disabledReason: text('disabled_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('webhook_endpoints_client_id_idx').on(t.clientId, t.id)],
);

/**
 * One event to one endpoint: `pending` until delivered, or `failed` once its retries ran out.
 * While pending, next_attempt_at is when it is due, and leased_until, while in the future, the
 * lease of the dispatcher sending it: a column no index holds, so taking a lease can be a HOT
 * update, when the page has room (fillfactor 80, set in the migration: bench/README.md).
 * A redelivery leaves the lease alone, so a delivery in flight is never claimed again meanwhile.
 *
 * event_id and payment_id have no foreign keys: their checks were three fifths of fan-out's time
 * (bench/README.md, "Webhooks: what the case found"). A delivery is only ever inserted from a
 * join on the event and its payment in the same statement (fan-out, redelivery), and the service
 * never deletes payments or events; a retention job would delete a payment's deliveries first.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    endpointId: uuid('endpoint_id').notNull(),
    eventId: bigint('event_id', { mode: 'number' }).notNull(),
    paymentId: uuid('payment_id').notNull(),
    seq: integer('seq').notNull(),
    state: text('state').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    leasedUntil: timestamp('leased_until', { withTimezone: true }),
    /**
     * A redelivery was asked for while an attempt was leased: once that attempt is recorded, the
     * delivery is due again even if it succeeded (the receiver may have had it before the ask).
     * The next claim clears it, its attempt being after the ask.
     */
    resend: boolean('resend').notNull().default(false),
    /** Retries stop after this (about three days after the event, or after a redelivery). */
    giveUpAt: timestamp('give_up_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_endpoint_event_key').on(t.endpointId, t.eventId),
    index('webhook_deliveries_due_idx').on(t.nextAttemptAt).where(sql`${t.state} = 'pending'`),
    // a payment's later event waits for its earlier pending one, per endpoint
    index('webhook_deliveries_order_idx').on(t.endpointId, t.paymentId, t.seq).where(sql`${t.state} = 'pending'`),
  ],
);

/**
 * Every attempt to deliver, as the delivery log shows it. Keyed by endpoint first: the log is
 * read per endpoint, newest first, and one index instead of a key and a log index is one index
 * entry less per attempt (bench/README.md, webhooks).
 */
export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: bigserial('id', { mode: 'number' }).notNull(),
    deliveryId: bigint('delivery_id', { mode: 'number' }).notNull(),
    endpointId: uuid('endpoint_id').notNull(),
    eventId: bigint('event_id', { mode: 'number' }).notNull(),
    attempt: integer('attempt').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    httpStatus: integer('http_status'),
    /** The first bytes of the answer's body. */
    responseExcerpt: text('response_excerpt'),
    error: text('error'),
  },
  (t) => [primaryKey({ name: 'webhook_attempts_pkey', columns: [t.endpointId, t.id] })],
);

/**
 * A piece's first attempts, leased to the dispatcher that fanned it out: their deliveries are
 * written once, when their attempts are recorded, in their final state (a lease per delivery
 * was three row writes a delivery: bench/README.md, webhooks). While the piece is open, every
 * event of its range (ids in (after_id, last_id], transactions in [fanned_xmin, pass_xmin)) is
 * in flight: a later event of the same payment waits for it, and a redelivery of it waits too.
 * A piece whose lease ran out (its dispatcher stopped) becomes pending deliveries again, from
 * the pairs it leased (endpoint_ids[i], event_ids[i]).
 */
export const webhookPieces = pgTable('webhook_pieces', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  afterId: bigint('after_id', { mode: 'number' }).notNull(),
  lastId: bigint('last_id', { mode: 'number' }).notNull(),
  fannedXmin: bigint('fanned_xmin', { mode: 'number' }).notNull(),
  passXmin: bigint('pass_xmin', { mode: 'number' }).notNull(),
  endpointIds: uuid('endpoint_ids').array().notNull(),
  eventIds: bigint('event_ids', { mode: 'number' }).array().notNull(),
  /** How long its deliveries are retried after their event (WEBHOOK_RETRY_FOR_MS at fan-out). */
  retryForMs: bigint('retry_for_ms', { mode: 'number' }).notNull(),
  leasedUntil: timestamp('leased_until', { withTimezone: true }).notNull(),
});

/**
 * The fan-out's watermark: events of transactions below `fanned_xmin` were turned into
 * deliveries. A pass fans out, a piece at a time in id order, the events of the transactions in
 * [fanned_xmin, pass_xmin), all ended when the pass began; those up to `pass_after_id` are done.
 * No pass in progress: pass_xmin is null.
 */
export const webhookState = pgTable('webhook_state', {
  name: text('name').primaryKey(),
  fannedXmin: bigint('fanned_xmin', { mode: 'number' }).notNull(),
  passXmin: bigint('pass_xmin', { mode: 'number' }),
  passAfterId: bigint('pass_after_id', { mode: 'number' }).notNull().default(0),
});
