import type { PaymentResponse, ReconciliationReport, WebhookBody, WebhookEndpointResponse, webhookAttemptSchema } from '@pt/core';
import type { z } from 'zod';

/**
 * An example of every operation in the OpenAPI document, by operationId: the request body (when
 * it takes one) and the success answer. Typed by the answers' zod schemas, so an example that
 * drifts from its shape does not compile; openapi-document.test.ts checks every operation has one.
 */
export interface OperationExample {
  request?: unknown;
  /** The success status the example answers with, and its body (null: no body). */
  status: number;
  response: unknown;
}

const ID = '01a215b6-b0e7-741b-b06d-62d810968616';
const CLIENT_ID = '01a215b0-0b7e-7c1a-9f2e-3c4d5e6f7a8b';
const ENDPOINT_ID = '01a2341c-0000-7d83-9b98-66a627daea66';
const CONFIRMATION_ID = '1d444f39-e27c-4d0a-90d4-798d934d0689';

const payment = {
  id: ID,
  status: 'pending',
  amount: '100.50',
  sender_account: '12345678',
  receiver_account: '87654320',
  memo: 'invoice 42',
  confirmation_id: CONFIRMATION_ID,
  failure_reason: null,
  created_at: '2026-11-26T02:37:04.104Z',
  submitted_at: '2026-11-26T02:37:04.111Z',
  resolved_at: null,
  updated_at: '2026-11-26T02:37:04.111Z',
  last_synced_at: null,
} satisfies PaymentResponse;

const settled = {
  ...payment,
  status: 'settled',
  resolved_at: '2026-11-26T02:37:06.581Z',
  updated_at: '2026-11-26T02:37:06.581Z',
  last_synced_at: '2026-11-26T02:37:06.577Z',
} satisfies PaymentResponse;

const events = [
  { from_status: null, to_status: 'received', source: 'api', reason: null, at: '2026-11-26T02:37:04.104Z' },
  { from_status: 'received', to_status: 'pending', source: 'api', reason: null, at: '2026-11-26T02:37:04.111Z' },
  { from_status: 'pending', to_status: 'settled', source: 'syncer', reason: null, at: '2026-11-26T02:37:06.581Z' },
] as const;

const endpoint = {
  id: ENDPOINT_ID,
  url: 'https://example.com/hooks',
  event_types: ['payment.settled', 'payment.returned', 'payment.failed'],
  enabled: true,
  description: 'ledger',
  disabled_reason: null,
  previous_secret_expires_at: null,
  created_at: '2026-12-02T00:16:40.000Z',
  updated_at: '2026-12-02T00:16:40.000Z',
} satisfies WebhookEndpointResponse;

const reconciliation = {
  sync: {
    last_synced_at: '2026-11-26T02:37:06.577Z',
    lag_ms: 840,
    last_cycle_ms: 120,
    last_entries: 1520,
    last_changed: 3,
    last_orphans: 0,
    last_error: null,
  },
  gateway: {
    careful_since: null,
    careful_reason: null,
    clock_offset_low_ms: -12,
    clock_offset_high_ms: 9,
    clock_alarm: null,
    list_alarm: null,
    foreign_unacknowledged: 0,
    double_send_alarms: 0,
  },
  unconfirmed: [
    {
      id: ID,
      client_id: CLIENT_ID,
      created_at: '2026-11-26T02:37:04.104Z',
      window_from: '2026-11-26T02:37:04.100Z',
      window_until: '2026-11-26T02:38:05.200Z',
      reason: 'submit timed out',
    },
  ],
  orphans: [
    {
      confirmation_id: CONFIRMATION_ID,
      status: 'pending',
      gateway_created_at: '2026-11-26T02:37:04.900Z',
      first_seen_at: '2026-11-26T02:37:06.000Z',
      kind: 'candidate',
      payment_id: ID,
      acknowledged_at: null,
      acknowledged_by: null,
      in_last_read: true,
    },
  ],
  stuck_received: [],
  grouped: [],
  stale_pending: [],
  missing_at_gateway: [],
} satisfies ReconciliationReport;

const attempt = {
  event_id: 'evt_3',
  attempt: 1,
  at: '2026-12-02T00:16:56.629Z',
  http_status: 200,
  duration_ms: 14,
  response_excerpt: 'ok',
  error: null,
} satisfies z.output<typeof webhookAttemptSchema>;

const prometheus =
  '# HELP payments_open Payments not yet resolved, by status.\n# TYPE payments_open gauge\npayments_open{status="pending"} 3\n';

export const OPERATION_EXAMPLES: Readonly<Record<string, OperationExample>> = {
  health: { status: 200, response: { status: 'ok' } },
  ready: { status: 200, response: { status: 'ok' } },
  createPayment: {
    request: { sender_account: '12345678', receiver_account: '87654320', amount: '100.50', memo: 'invoice 42' },
    status: 201,
    response: payment,
  },
  listPayments: { status: 200, response: { items: [settled], next_cursor: 'MDFhMjE1YjYtYjBlNy03NDFi' } },
  getPayment: { status: 200, response: settled },
  listPaymentEvents: { status: 200, response: { items: events } },
  getReconciliation: { status: 200, response: reconciliation },
  acknowledgeGateway: {
    request: { reason: 'the gateway team replayed their test payments' },
    status: 200,
    response: { acknowledged_foreign: 2, list_size_accepted: 1522 },
  },
  linkPayment: {
    request: { confirmation_id: CONFIRMATION_ID, reason: 'the only candidate in its window, checked with the gateway' },
    status: 200,
    response: payment,
  },
  requeuePayment: {
    request: { reason: 'the gateway confirmed it never recorded it', force: false },
    status: 200,
    response: { ...payment, status: 'received', confirmation_id: null, submitted_at: null },
  },
  listPaymentEventsAsAdmin: {
    status: 200,
    response: {
      items: [
        ...events.slice(0, 1).map((event) => ({ ...event, actor: null })),
        {
          from_status: 'received',
          to_status: 'unconfirmed',
          source: 'api',
          reason: 'submit timed out',
          at: payment.submitted_at,
          actor: null,
        },
        {
          from_status: 'unconfirmed',
          to_status: 'pending',
          source: 'operator',
          reason: 'checked with the gateway',
          at: settled.updated_at,
          actor: 'ops',
        },
      ],
    },
  },
  registerClientAccount: {
    request: { account: '12345678' },
    status: 201,
    response: { account: '12345678', client: 'acme', created_at: '2026-11-26T02:30:00.000Z', created_by: 'ops' },
  },
  listClientAccounts: {
    status: 200,
    response: { items: [{ account: '12345678', client: 'acme', created_at: '2026-11-26T02:30:00.000Z', created_by: 'ops' }] },
  },
  removeClientAccount: { status: 204, response: null },
  getMetrics: { status: 200, response: prometheus },
  getPrometheusMetrics: { status: 200, response: prometheus },
  createWebhookEndpoint: {
    request: { url: endpoint.url, event_types: endpoint.event_types, description: endpoint.description },
    status: 201,
    response: { ...endpoint, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
  },
  listWebhookEndpoints: { status: 200, response: { items: [endpoint] } },
  getWebhookEndpoint: { status: 200, response: endpoint },
  updateWebhookEndpoint: { request: { enabled: false }, status: 200, response: { ...endpoint, enabled: false } },
  deleteWebhookEndpoint: { status: 204, response: null },
  rotateWebhookSecret: {
    request: { overlap_seconds: 3600 },
    status: 200,
    response: { secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD', previous_secret_expires_at: '2026-12-02T01:16:40.000Z' },
  },
  listWebhookDeliveries: { status: 200, response: { items: [attempt] } },
  redeliverWebhooksSince: { request: { since: '2026-12-02T00:00:00Z' }, status: 202, response: { queued: 2 } },
  redeliverEvent: { status: 202, response: { queued: 1 } },
};

/** One webhook event as a receiver gets it (the body the syncer signs and POSTs). */
export const WEBHOOK_EXAMPLE = {
  type: 'payment.settled',
  timestamp: settled.resolved_at,
  data: { event_id: 'evt_3', sequence: 3, payment: settled },
} satisfies WebhookBody;
