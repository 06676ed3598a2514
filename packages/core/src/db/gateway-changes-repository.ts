import type postgres from 'postgres';
import { GATEWAY_TRACKED_STATUSES, type GatewayStatus, type PaymentStatus } from '../payments/status.js';
import {
  allowedTransitionSql,
  EVENT_OUTBOX_COLUMNS,
  eventSnapshotSql,
  NEXT_EVENT_SEQ,
  statusListSql,
  TERMINAL_LIST,
} from './sql-fragments.js';

/** The payments a gateway report may move (pending): what a cycle tracks by confirmation_id. */
const TRACKED_LIST = statusListSql(GATEWAY_TRACKED_STATUSES);

export interface GatewayChange {
  confirmationId: string;
  /** The status the syncer holds for the payment: the change applies only if it still has it. */
  from: PaymentStatus;
  status: GatewayStatus;
  updatedAt: Date;
}

const ALLOWED = allowedTransitionSql('p.status', 'i.to_status');

/** The reconciliation's statements: what a cycle tracks, and the gateway's changes applied in bulk. */
export function createGatewayChangesRepository(sql: postgres.Sql) {
  return {
    /**
     * Streams every payment the gateway may still move (pending) to `add`, a batch of rows at a
     * time: the syncer holds them in its own compact structure, never as one array of rows.
     */
    async loadTracked(
      add: (confirmationId: string, status: PaymentStatus, gatewayUpdatedAt: Date | null) => void,
    ): Promise<void> {
      const cursor = sql<TrackedRow[]>`
        SELECT confirmation_id, status, gateway_updated_at FROM payments
        WHERE status IN (${sql.unsafe(TRACKED_LIST)}) AND confirmation_id IS NOT NULL`.cursor(10_000);
      for await (const rows of cursor) {
        for (const row of rows) add(row.confirmation_id, row.status, row.gateway_updated_at);
      }
    },

    /**
     * Applies a batch of gateway reports in one statement: each payment is looked up once by
     * confirmation_id and changes only if it still has the status the syncer saw (`from`), the
     * machine allows the transition, and no newer gateway update was applied; each change writes
     * its event. Returns how many payments changed.
     */
    async applyGatewayChanges(changes: GatewayChange[], syncedAt: Date): Promise<number> {
      if (changes.length === 0) return 0;
      const ids = changes.map((c) => c.confirmationId);
      const from = changes.map((c) => c.from);
      const statuses = changes.map((c) => c.status);
      const times = changes.map((c) => c.updatedAt.toISOString());
      // One UPDATE with the payment's own row as the only look-up: no locking pre-read and no
      // second look-up by id; the WHERE re-checks a row another transaction changed meanwhile.
      const result = await sql`
        WITH upd AS (
          UPDATE payments p SET status = i.to_status, gateway_updated_at = i.updated_at, updated_at = now(),
            last_synced_at = ${syncedAt},
            resolved_at = CASE WHEN i.to_status IN (${sql.unsafe(TERMINAL_LIST)}) THEN now() ELSE p.resolved_at END,
            ${sql.unsafe(NEXT_EVENT_SEQ)}
          FROM unnest(${ids}::text[], ${from}::text[], ${statuses}::text[], ${times}::timestamptz[])
            AS i(confirmation_id, from_status, to_status, updated_at)
          WHERE p.confirmation_id = i.confirmation_id AND p.status = i.from_status AND ${sql.unsafe(ALLOWED)}
            AND (p.gateway_updated_at IS NULL OR p.gateway_updated_at <= i.updated_at)
          RETURNING p.id, i.from_status, i.to_status, p.event_seq, ${sql.unsafe(eventSnapshotSql('p'))} AS snapshot
        )
        INSERT INTO payment_events (payment_id, from_status, to_status, source, ${sql.unsafe(EVENT_OUTBOX_COLUMNS)})
        SELECT id, from_status, to_status, 'syncer', event_seq, snapshot FROM upd`;
      return result.count;
    },

    /**
     * After a complete status list: flags pending payments whose confirmation_id it did not
     * hold (the gateway "lost" them), and clears the flag on those it held again.
     */
    async markMissing(missing: string[], listedAt: Date): Promise<void> {
      if (missing.length > 0)
        await sql`
        UPDATE payments SET gateway_missing_since = COALESCE(gateway_missing_since, ${listedAt})
        WHERE status IN (${sql.unsafe(TRACKED_LIST)}) AND confirmation_id = ANY(${missing}::text[])`;
      await sql`
        UPDATE payments SET gateway_missing_since = NULL
        WHERE gateway_missing_since IS NOT NULL AND NOT (confirmation_id = ANY(${missing}::text[]))`;
    },
  };
}

/** A payment the gateway may still move (confirmation_id not null, by the statement's WHERE). */
interface TrackedRow {
  confirmation_id: string;
  status: PaymentStatus;
  gateway_updated_at: Date | null;
}

export type GatewayChangesRepository = ReturnType<typeof createGatewayChangesRepository>;
