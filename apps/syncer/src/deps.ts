import {
  type AttemptsRepository,
  attemptLeaseMs,
  type CarefulMode,
  carefulRule,
  createAttemptsRepository,
  createCarefulMode,
  createDelivery,
  createGatewayClient,
  createIdempotencyRepository,
  createPaymentsRepository,
  createSql,
  createSyncRepository,
  createUnconfirmedRepository,
  type Delivery,
  type GatewayClient,
  type IdempotencyRepository,
  type Logger,
  type PaymentsRepository,
  type SqlClient,
  type SyncRepository,
  type UnconfirmedRepository,
} from '@pt/core';
import type { SyncerConfig } from './config.js';

export interface SyncerDeps {
  config: SyncerConfig;
  logger: Logger;
  sql: SqlClient;
  payments: PaymentsRepository;
  sync: SyncRepository;
  attempts: AttemptsRepository;
  unconfirmed: UnconfirmedRepository;
  careful: CarefulMode;
  idempotency: IdempotencyRepository;
  gateway: GatewayClient;
  deliver: Delivery;
  leaseMs: number;
  close(): Promise<void>;
}

/** The syncer's composition root. */
export function createSyncerDeps(config: SyncerConfig, logger: Logger): SyncerDeps {
  const { sql, close: closeDb } = createSql(config.DATABASE_URL, {
    max: Math.max(4, config.RESUBMIT_CONCURRENCY + 2),
    applicationName: 'payment-tracker-syncer',
  });
  const payments = createPaymentsRepository(sql);
  const gateway = createGatewayClient({
    baseUrl: config.GATEWAY_URL,
    submitTimeoutMs: config.GATEWAY_SUBMIT_TIMEOUT_MS,
    statusTimeoutMs: config.GATEWAY_STATUS_TIMEOUT_MS,
    logger,
  });
  const attempts = createAttemptsRepository(sql);
  const careful = createCarefulMode({ attempts, logger, rule: carefulRule(config), cacheMs: 0 });
  const deliver = createDelivery({
    gateway,
    attempts,
    payments,
    careful,
    logger,
    maxAttempts: config.RESUBMIT_MAX_ATTEMPTS,
    backoff: { baseMs: config.RESUBMIT_BASE_MS, capMs: config.RESUBMIT_CAP_MS },
    retryAfterCapMs: config.GATEWAY_RETRY_AFTER_CAP_MS,
  });
  return {
    config,
    logger,
    sql,
    payments,
    sync: createSyncRepository(sql),
    attempts,
    unconfirmed: createUnconfirmedRepository(sql),
    careful,
    idempotency: createIdempotencyRepository(sql),
    gateway,
    deliver,
    leaseMs: attemptLeaseMs(config),
    async close() {
      await gateway.close();
      await closeDb();
    },
  };
}
