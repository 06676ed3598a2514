import type postgres from 'postgres';
import { uuidv7 } from 'uuidv7';
import type { Tx } from './client.js';

/** A webhook endpoint as the repository returns it (secrets included: only the dispatcher reads them). */
export interface WebhookEndpoint {
  id: string;
  clientId: string;
  url: string;
  eventTypes: string[];
  enabled: boolean;
  description: string | null;
  secret: string;
  previousSecret: string | null;
  previousSecretUntil: Date | null;
  disabledReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewWebhookEndpoint {
  clientId: string;
  url: string;
  eventTypes: string[];
  enabled: boolean;
  description: string | null;
  secret: string;
}

export interface WebhookEndpointChanges {
  url?: string | undefined;
  eventTypes?: string[] | undefined;
  enabled?: boolean | undefined;
  description?: string | null | undefined;
}

/** Every statement about a client's webhook endpoints; each is scoped to the client. */
export function createWebhookEndpointsRepository(sql: postgres.Sql) {
  return {
    async create(endpoint: NewWebhookEndpoint, tx: Tx = sql): Promise<WebhookEndpoint> {
      const [row] = await tx<EndpointRow[]>`
        INSERT INTO webhook_endpoints (id, client_id, url, event_types, enabled, description, secret)
        VALUES (${uuidv7()}, ${endpoint.clientId}, ${endpoint.url}, ${endpoint.eventTypes}::text[], ${endpoint.enabled},
                ${endpoint.description}, ${endpoint.secret})
        RETURNING *`;
      if (!row) throw new Error('webhook endpoint was not stored');
      return toEndpoint(row);
    },

    async listForClient(clientId: string, tx: Tx = sql): Promise<WebhookEndpoint[]> {
      const rows = await tx<EndpointRow[]>`SELECT * FROM webhook_endpoints WHERE client_id = ${clientId} ORDER BY id`;
      return rows.map(toEndpoint);
    },

    async findForClient(clientId: string, id: string, tx: Tx = sql): Promise<WebhookEndpoint | null> {
      const [row] = await tx<EndpointRow[]>`SELECT * FROM webhook_endpoints WHERE id = ${id} AND client_id = ${clientId}`;
      return row ? toEndpoint(row) : null;
    },

    /** Applies the given changes; enabling an endpoint clears why it was disabled and its failure streak. */
    async update(clientId: string, id: string, changes: WebhookEndpointChanges, tx: Tx = sql): Promise<WebhookEndpoint | null> {
      const [row] = await tx<EndpointRow[]>`
        UPDATE webhook_endpoints SET
          url = COALESCE(${changes.url ?? null}, url),
          event_types = COALESCE(${changes.eventTypes ?? null}::text[], event_types),
          enabled = COALESCE(${changes.enabled ?? null}::boolean, enabled),
          description = CASE WHEN ${changes.description !== undefined} THEN ${changes.description ?? null} ELSE description END,
          disabled_reason = CASE WHEN ${changes.enabled === true} THEN NULL ELSE disabled_reason END,
          failing_since = CASE WHEN ${changes.enabled === true} THEN NULL ELSE failing_since END,
          updated_at = now()
        WHERE id = ${id} AND client_id = ${clientId} RETURNING *`;
      return row ? toEndpoint(row) : null;
    },

    /** Deletes the endpoint and its delivery log. Returns whether it existed. */
    async delete(clientId: string, id: string, tx: Tx = sql): Promise<boolean> {
      const result = await tx`DELETE FROM webhook_endpoints WHERE id = ${id} AND client_id = ${clientId}`;
      return result.count > 0;
    },

    /** A new secret; the current one keeps signing for `overlapMs` (both sign meanwhile). */
    async rotateSecret(
      clientId: string,
      id: string,
      secret: string,
      overlapMs: number,
      tx: Tx = sql,
    ): Promise<WebhookEndpoint | null> {
      const [row] = await tx<EndpointRow[]>`
        UPDATE webhook_endpoints SET previous_secret = secret, secret = ${secret},
          previous_secret_until = now() + ${overlapMs} * interval '1 millisecond', updated_at = now()
        WHERE id = ${id} AND client_id = ${clientId} RETURNING *`;
      return row ? toEndpoint(row) : null;
    },
  };
}

export interface EndpointRow {
  id: string;
  client_id: string;
  url: string;
  event_types: string[];
  enabled: boolean;
  description: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Date | null;
  disabled_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export function toEndpoint(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    clientId: row.client_id,
    url: row.url,
    eventTypes: row.event_types,
    enabled: row.enabled,
    description: row.description,
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretUntil: row.previous_secret_until,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export type WebhookEndpointsRepository = ReturnType<typeof createWebhookEndpointsRepository>;
