import { type ApiClient, isOneOf, type Payment, SYNCED_STATUSES } from '@pt/core';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Asks for a sync now and waits (bounded) for one newer than the request; returns the re-read
     * payment. Counts against the client key's refresh allowance first (429 past it).
     */
    refresh(client: ApiClient, payment: Payment): Promise<Payment | null>;
  }
}

/**
 * `?refresh=true`: the API never fetches the gateway's status list itself. It wakes the syncer
 * through Postgres NOTIFY and waits for `last_synced_at` to pass the moment it asked. Concurrent
 * refreshes share one request and one wait, so a burst causes one gateway fetch. Each
 * `?refresh=true` counts against its key's refresh allowance (RATE_LIMIT_REFRESH_MAX per window),
 * and the syncer spaces the cycles wake-ups ask for (SYNC_REFRESH_MIN_GAP_MS).
 */
export const refreshPlugin = fp(async (app: FastifyInstance) => {
  const { syncState, payments, config } = app.deps;
  let shared: Promise<void> | null = null;

  async function requestAndWait(): Promise<void> {
    const askedAt = Date.now();
    await syncState.requestSync();
    const deadline = askedAt + config.REFRESH_WAIT_MS;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const state = await syncState.readSyncState();
      if (state?.lastSyncedAt && state.lastSyncedAt.getTime() >= askedAt) return;
    }
  }

  app.decorate('refresh', async (client: ApiClient, payment: Payment) => {
    app.limits.chargeRefresh(client.keyId);
    if (!isOneOf(SYNCED_STATUSES, payment.status)) return payment;
    shared ??= requestAndWait().finally(() => {
      shared = null;
    });
    await shared;
    return payments.findForClient(client.id, payment.id);
  });
});
