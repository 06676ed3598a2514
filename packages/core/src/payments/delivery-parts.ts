import type postgres from 'postgres';
import { type AttemptsRepository, createAttemptsRepository } from '../db/attempts-repository.js';
import { createPaymentsRepository, type PaymentsRepository } from '../db/payments-repository.js';
import { createGatewayClient, type GatewayClient } from '../gateway/gateway-client.js';
import type { Logger } from '../logging/logger.js';
import { attemptLeaseMs, carefulRule, type SharedEnv } from '../runtime-config.js';
import { type CarefulMode, createCarefulMode } from './careful-mode-state.js';
import { createDelivery, type Delivery } from './delivery.js';

/** What the delivery parts read from an app's configuration (both apps require GATEWAY_URL). */
export type DeliveryConfig = Pick<
  SharedEnv,
  | 'GATEWAY_SUBMIT_TIMEOUT_MS'
  | 'GATEWAY_STATUS_TIMEOUT_MS'
  | 'GATEWAY_RETRY_AFTER_CAP_MS'
  | 'RESUBMIT_MAX_ATTEMPTS'
  | 'RESUBMIT_BASE_MS'
  | 'RESUBMIT_CAP_MS'
  | 'ATTEMPT_LEASE_MS'
  | 'CAREFUL_ENTER_AFTER'
  | 'CAREFUL_WITHIN_MS'
  | 'CAREFUL_EXIT_AFTER'
> & { GATEWAY_URL: string };

export interface DeliveryParts {
  payments: PaymentsRepository;
  attempts: AttemptsRepository;
  gateway: GatewayClient;
  careful: CarefulMode;
  deliver: Delivery;
  /** How long an open attempt is leased (see attemptLeaseMs). */
  leaseMs: number;
}

/**
 * The gateway client and delivery, wired the same way for the API's inline attempt and the
 * syncer's re-submissions: repositories on the app's pool, careful mode shared through the
 * database (read at most once per `carefulCacheMs`), and the configured retry rules.
 */
export function createDeliveryParts(
  config: DeliveryConfig,
  sql: postgres.Sql,
  logger: Logger,
  options: { carefulCacheMs: number },
): DeliveryParts {
  const payments = createPaymentsRepository(sql);
  const attempts = createAttemptsRepository(sql);
  const gateway = createGatewayClient({
    baseUrl: config.GATEWAY_URL,
    submitTimeoutMs: config.GATEWAY_SUBMIT_TIMEOUT_MS,
    statusTimeoutMs: config.GATEWAY_STATUS_TIMEOUT_MS,
    logger,
  });
  const careful = createCarefulMode({ attempts, logger, rule: carefulRule(config), cacheMs: options.carefulCacheMs });
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
  return { payments, attempts, gateway, careful, deliver, leaseMs: attemptLeaseMs(config) };
}
