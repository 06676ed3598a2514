import type postgres from 'postgres';

export interface ReconciliationReport {
  sync: {
    last_synced_at: string | null;
    lag_ms: number | null;
    last_cycle_ms: number | null;
    last_entries: number | null;
    last_changed: number | null;
    last_orphans: number | null;
    last_error: string | null;
  };
  unconfirmed: Array<{
    id: string;
    client_id: string;
    created_at: string;
    window_from: string | null;
    window_until: string | null;
    reason: string | null;
  }>;
  orphans: Array<{ confirmation_id: string; status: string; gateway_created_at: string; first_seen_at: string }>;
  stale_pending: Array<{ id: string; client_id: string; confirmation_id: string | null; submitted_at: string | null }>;
  missing_at_gateway: Array<{ id: string; client_id: string; confirmation_id: string | null; missing_since: string | null }>;
}

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : null);

/** The operator's view: everything the syncer could not settle by itself. */
export function createAdminRepository(sql: postgres.Sql) {
  return {
    async reconciliationReport(options: { stalePendingMs: number; limit: number }): Promise<ReconciliationReport> {
      const { limit } = options;
      const [state, unconfirmed, orphans, stale, missing] = await Promise.all([
        sql`SELECT last_synced_at, last_cycle_ms, last_entries, last_changed, last_orphans, last_error,
                   (extract(epoch FROM now() - last_synced_at) * 1000)::bigint AS lag_ms
            FROM sync_state WHERE name = 'gateway'`,
        sql`SELECT id, client_id, created_at, unconfirmed_from, unconfirmed_until, last_error FROM payments
            WHERE status = 'unconfirmed' ORDER BY created_at LIMIT ${limit}`,
        sql`SELECT confirmation_id, status, gateway_created_at, first_seen_at FROM gateway_orphans
            ORDER BY gateway_created_at LIMIT ${limit}`,
        sql`SELECT id, client_id, confirmation_id, submitted_at FROM payments
            WHERE status = 'pending' AND submitted_at < now() - ${options.stalePendingMs} * interval '1 millisecond'
            ORDER BY submitted_at LIMIT ${limit}`,
        sql`SELECT id, client_id, confirmation_id, gateway_missing_since FROM payments
            WHERE status = 'pending' AND gateway_missing_since IS NOT NULL ORDER BY gateway_missing_since LIMIT ${limit}`,
      ]);
      const [sync] = state;
      return {
        sync: {
          last_synced_at: iso(sync?.last_synced_at),
          lag_ms: sync?.lag_ms == null ? null : Number(sync.lag_ms),
          last_cycle_ms: (sync?.last_cycle_ms as number | null) ?? null,
          last_entries: (sync?.last_entries as number | null) ?? null,
          last_changed: (sync?.last_changed as number | null) ?? null,
          last_orphans: (sync?.last_orphans as number | null) ?? null,
          last_error: (sync?.last_error as string | null) ?? null,
        },
        unconfirmed: unconfirmed.map((r) => ({
          id: r.id as string,
          client_id: r.client_id as string,
          created_at: iso(r.created_at) ?? '',
          window_from: iso(r.unconfirmed_from),
          window_until: iso(r.unconfirmed_until),
          reason: r.last_error as string | null,
        })),
        orphans: orphans.map((r) => ({
          confirmation_id: r.confirmation_id as string,
          status: r.status as string,
          gateway_created_at: iso(r.gateway_created_at) ?? '',
          first_seen_at: iso(r.first_seen_at) ?? '',
        })),
        stale_pending: stale.map((r) => ({
          id: r.id as string,
          client_id: r.client_id as string,
          confirmation_id: r.confirmation_id as string | null,
          submitted_at: iso(r.submitted_at),
        })),
        missing_at_gateway: missing.map((r) => ({
          id: r.id as string,
          client_id: r.client_id as string,
          confirmation_id: r.confirmation_id as string | null,
          missing_since: iso(r.gateway_missing_since),
        })),
      };
    },
  };
}

export type AdminRepository = ReturnType<typeof createAdminRepository>;
