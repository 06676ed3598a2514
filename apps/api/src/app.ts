import Fastify from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { consolePlugin } from './console/console-plugin.js';
import type { ApiDeps } from './deps.js';
import { authPlugin } from './plugins/auth.js';
import { createClientErrorHandler } from './plugins/client-error.js';
import { contentTypePlugin } from './plugins/content-type.js';
import { jsonBodyPlugin } from './plugins/json-body.js';
import { methodNotAllowedPlugin } from './plugins/method-not-allowed.js';
import { openapiPlugin } from './plugins/openapi.js';
import { problemPlugin, sendFrameworkError } from './plugins/problem.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { refreshPlugin } from './plugins/refresh.js';
import { requestIdOf } from './plugins/request-id.js';
import { OneLineRequestLog } from './plugins/request-log.js';
import { requestMetricsPlugin } from './plugins/request-metrics.js';
import { securityPlugin } from './plugins/security.js';
import { serializerCompiler } from './plugins/serializer.js';
import { adminRoutes } from './routes/admin.js';
import { adminAccountsRoutes } from './routes/admin-accounts.js';
import { healthRoutes } from './routes/health.js';
import { adminMetricsRoutes, metricsRoutes } from './routes/metrics.js';
import { paymentsRoutes } from './routes/payments.js';
import { problemRoutes } from './routes/problems.js';
import { webhookEndpointsRoutes } from './routes/webhook-endpoints.js';

declare module 'fastify' {
  interface FastifyInstance {
    deps: ApiDeps;
  }
}

/** How often Node checks open connections against the request and headers timeouts (its default: 30 s). */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

/** buildApp(deps) → the API, not yet listening. Tests build it with real parts and inject. */
export async function buildApp(deps: ApiDeps) {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    // request.ip is the client's only behind these proxies: rate limits count per client, not per balancer.
    trustProxy: config.TRUST_PROXY ?? false,
    // Slow senders are cut off: a whole request within API_REQUEST_TIMEOUT_MS, its headers within
    // API_HEADERS_TIMEOUT_MS (408), an idle keep-alive connection closed after API_KEEP_ALIVE_TIMEOUT_MS.
    requestTimeout: config.API_REQUEST_TIMEOUT_MS,
    keepAliveTimeout: config.API_KEEP_ALIVE_TIMEOUT_MS,
    http: { headersTimeout: config.API_HEADERS_TIMEOUT_MS, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS },
    genReqId: requestIdOf,
    requestIdHeader: false,
    return503OnClosing: true,
    logController: new OneLineRequestLog(),
    frameworkErrors: sendFrameworkError,
    clientErrorHandler: createClientErrorHandler(deps.logger),
  }).withTypeProvider<ZodTypeProvider>();
  // Past the cap Node closes new connections at once, before they cost a parser or a request.
  app.server.maxConnections = config.API_MAX_CONNECTIONS;

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('deps', deps);

  await app.register(requestMetricsPlugin);
  await app.register(problemPlugin);
  await app.register(methodNotAllowedPlugin);
  await app.register(contentTypePlugin);
  await app.register(jsonBodyPlugin);
  await app.register(securityPlugin);
  await app.register(rateLimitPlugin);
  await app.register(openapiPlugin);
  await app.register(authPlugin);
  await app.register(refreshPlugin);
  await app.register(healthRoutes);
  await app.register(problemRoutes);
  await app.register(paymentsRoutes);
  await app.register(adminRoutes);
  await app.register(adminAccountsRoutes);
  await app.register(adminMetricsRoutes);
  await app.register(metricsRoutes);
  await app.register(webhookEndpointsRoutes);
  await app.register(consolePlugin);
  return app;
}
