import {
  type AdminRepository,
  type ApiClientsRepository,
  type AttemptsRepository,
  attemptLeaseMs,
  type CarefulMode,
  carefulRule,
  createAdminRepository,
  createApiClientsRepository,
  createAttemptsRepository,
  createCarefulMode,
  createDelivery,
  createGatewayClient,
  createHealthRepository,
  createIdempotencyRepository,
  createPaymentsRepository,
  createSql,
  createSyncRepository,
  createUnconfirmedRepository,
  type Delivery,
  type GatewayClient,
  type HealthRepository,
  type IdempotencyRepository,
  type Logger,
  type PaymentsRepository,
  type SqlClient,
  type SyncRepository,
  type UnconfirmedRepository,
} from '@pt/core';
import type { ApiConfig } from './config.js';

export interface ApiDeps {
  config: ApiConfig;
  logger: Logger;
  sql: SqlClient;
  payments: PaymentsRepository;
  admin: AdminRepository;
  clients: ApiClientsRepository;
  health: HealthRepository;
  idempotency: IdempotencyRepository;
  sync: SyncRepository;
  attempts: AttemptsRepository;
  unconfirmed: UnconfirmedRepository;
  careful: CarefulMode;
  gateway: GatewayClient;
  deliver: Delivery;
  leaseMs: number;
  close(): Promise<void>;
}

/** The API's composition root: every long-lived part, built once from the configuration. */
export function createApiDeps(config: ApiConfig, logger: Logger): ApiDeps {
  const { sql, close: closeDb } = createSql(config.DATABASE_URL, {
    max: config.DB_POOL_SIZE,
    connectTimeoutSeconds: 2,
    applicationName: 'payment-tracker-api',
  });
  const payments = createPaymentsRepository(sql);
  const gateway = createGatewayClient({
    baseUrl: config.GATEWAY_URL,
    submitTimeoutMs: config.GATEWAY_SUBMIT_TIMEOUT_MS,
    statusTimeoutMs: config.GATEWAY_STATUS_TIMEOUT_MS,
    logger,
  });
  const attempts = createAttemptsRepository(sql);
  // Read at most once a second per process: the check sits on every POST /payments.
  const careful = createCarefulMode({ attempts, logger, rule: carefulRule(config), cacheMs: 1000 });
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
    admin: createAdminRepository(sql),
    clients: createApiClientsRepository(sql),
    health: createHealthRepository(sql),
    idempotency: createIdempotencyRepository(sql),
    sync: createSyncRepository(sql),
    attempts,
    unconfirmed: createUnconfirmedRepository(sql),
    careful,
    gateway,
    deliver,
    leaseMs: attemptLeaseMs(config),
    async close() {
      await gateway.close();
      await closeDb();
    },
  };
}
