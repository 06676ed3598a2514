import {
  type AdminRepository,
  type ApiClientsRepository,
  type ClientAccountsRepository,
  type ConsoleSessionsRepository,
  createAdminRepository,
  createApiClientsRepository,
  createClientAccountsRepository,
  createConsoleSessionsRepository,
  createDeliveryParts,
  createHealthRepository,
  createIdempotencyRepository,
  createMetricsRepository,
  createOperatorActionsRepository,
  createSecretBox,
  createSql,
  createSyncStateRepository,
  createTargetPolicy,
  createUnconfirmedRepository,
  createWebhookDeliveriesRepository,
  createWebhookEndpointsRepository,
  type DeliveryParts,
  type HealthRepository,
  type IdempotencyRepository,
  type Logger,
  type MetricsRepository,
  type OperatorActionsRepository,
  type SecretBox,
  type SqlClient,
  type SyncStateRepository,
  type TargetPolicy,
  type UnconfirmedRepository,
  type WebhookDeliveriesRepository,
  type WebhookEndpointsRepository,
} from '@pt/core';
import type { ApiConfig } from './config.js';

/** The delivery parts (payments, attempts, gateway, careful, deliver, leaseMs) and the API's own. */
export interface ApiDeps extends DeliveryParts {
  config: ApiConfig;
  logger: Logger;
  sql: SqlClient;
  admin: AdminRepository;
  clients: ApiClientsRepository;
  clientAccounts: ClientAccountsRepository;
  consoleSessions: ConsoleSessionsRepository;
  health: HealthRepository;
  idempotency: IdempotencyRepository;
  metrics: MetricsRepository;
  operator: OperatorActionsRepository;
  syncState: SyncStateRepository;
  unconfirmed: UnconfirmedRepository;
  webhookEndpoints: WebhookEndpointsRepository;
  webhookDeliveries: WebhookDeliveriesRepository;
  /** Where webhook endpoints may point (checked at creation; the syncer checks each connection). */
  targetPolicy: TargetPolicy;
  /** Seals webhook signing secrets before they are stored. */
  secretBox: SecretBox;
  close(): Promise<void>;
}

/** The API's composition root: every long-lived part, built once from the configuration. */
export function createApiDeps(config: ApiConfig, logger: Logger): ApiDeps {
  const { sql, close: closeDb } = createSql(config.DATABASE_URL, {
    max: config.DB_POOL_SIZE,
    connectTimeoutSeconds: 2,
    applicationName: 'payment-tracker-api',
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  });
  // Careful mode is read at most once a second per process: the check sits on every POST /payments.
  const delivery = createDeliveryParts(config, sql, logger, { carefulCacheMs: 1000 });
  if (config.WEBHOOK_SECRET_KEYS.length === 0)
    logger.warn('WEBHOOK_SECRET_KEYS is empty: webhook signing secrets are stored unsealed (development only)');
  return {
    config,
    logger,
    sql,
    ...delivery,
    admin: createAdminRepository(sql),
    clients: createApiClientsRepository(sql),
    clientAccounts: createClientAccountsRepository(sql),
    consoleSessions: createConsoleSessionsRepository(sql),
    health: createHealthRepository(sql),
    idempotency: createIdempotencyRepository(sql),
    metrics: createMetricsRepository(sql),
    operator: createOperatorActionsRepository(sql),
    syncState: createSyncStateRepository(sql),
    unconfirmed: createUnconfirmedRepository(sql),
    webhookEndpoints: createWebhookEndpointsRepository(sql),
    webhookDeliveries: createWebhookDeliveriesRepository(sql),
    targetPolicy: createTargetPolicy(config),
    secretBox: createSecretBox(config.WEBHOOK_SECRET_KEYS),
    async close() {
      await delivery.gateway.close();
      await closeDb();
    },
  };
}
