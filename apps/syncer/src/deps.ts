import {
  createDeliveryParts,
  createGatewayChangesRepository,
  createIdempotencyRepository,
  createSecretBox,
  createSql,
  createSyncStateRepository,
  createTargetPolicy,
  createUnconfirmedRepository,
  createWebhookDeliveriesRepository,
  createWebhookSender,
  type DeliveryParts,
  type GatewayChangesRepository,
  type IdempotencyRepository,
  type Logger,
  type SqlClient,
  type SyncStateRepository,
  type UnconfirmedRepository,
  type WebhookDeliveriesRepository,
  type WebhookSender,
} from '@pt/core';
import type { SyncerConfig } from './config.js';

/** The delivery parts (payments, attempts, gateway, careful, deliver, leaseMs) and the syncer's own. */
export interface SyncerDeps extends DeliveryParts {
  config: SyncerConfig;
  logger: Logger;
  sql: SqlClient;
  changes: GatewayChangesRepository;
  syncState: SyncStateRepository;
  unconfirmed: UnconfirmedRepository;
  idempotency: IdempotencyRepository;
  webhookDeliveries: WebhookDeliveriesRepository;
  webhookSender: WebhookSender;
  close(): Promise<void>;
}

/** The syncer's composition root. */
export function createSyncerDeps(config: SyncerConfig, logger: Logger): SyncerDeps {
  const { sql, close: closeDb } = createSql(config.DATABASE_URL, {
    max: Math.max(4, config.RESUBMIT_CONCURRENCY + 2),
    applicationName: 'payment-tracker-syncer',
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  });
  // Careful mode is read fresh on every check: the syncer checks once per payment it sends.
  const delivery = createDeliveryParts(config, sql, logger, { carefulCacheMs: 0 });
  const webhookSender = createWebhookSender({
    policy: createTargetPolicy(config),
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    secrets: createSecretBox(config.WEBHOOK_SECRET_KEYS),
  });
  return {
    config,
    logger,
    sql,
    ...delivery,
    changes: createGatewayChangesRepository(sql),
    syncState: createSyncStateRepository(sql),
    unconfirmed: createUnconfirmedRepository(sql),
    idempotency: createIdempotencyRepository(sql),
    webhookDeliveries: createWebhookDeliveriesRepository(sql),
    webhookSender,
    async close() {
      await webhookSender.close();
      await delivery.gateway.close();
      await closeDb();
    },
  };
}
