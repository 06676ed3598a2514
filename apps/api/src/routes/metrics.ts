import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { Registry } from 'prom-client';
import { z } from 'zod';
import { addStateGauges, type SharedState } from '../metrics/state-gauges.js';
import { requireApiKey } from '../plugins/auth.js';
import { bearerSecurity, problems } from './schema-helpers.js';

const prometheusText = {
  description: 'Prometheus text format 0.0.4',
  content: { 'text/plain; version=0.0.4': { schema: z.string() } },
};

/**
 * GET /metrics, without a key (bind or protect it as the README says): the request histogram
 * and Node's figures of this process, and the state all processes share, read from Postgres at
 * scrape time with bounded queries only. Not served with METRICS_ENABLED=false.
 */
export const metricsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { admin, metrics, config } = app.deps;
  if (!config.METRICS_ENABLED) return;
  const registry = app.metricsRegistry;
  let state: SharedState | undefined;
  addStateGauges(registry, () => state);

  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'getPrometheusMetrics',
        tags: ['health'],
        summary: 'Prometheus metrics: requests, payments, sync, webhooks, the gateway alarms, Node',
        response: { 200: prometheusText, ...problems(503) },
      },
    },
    async (_request, reply) => {
      const [health, figures] = await Promise.all([admin.gatewayHealth(), metrics.scrapeFigures()]);
      state = { health, figures };
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
};

/**
 * GET /admin/metrics, admin keys only: the delivery protocol's alarms alone, as before GET
 * /metrics existed (kept for scrapers configured with an admin key).
 */
export const adminMetricsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { admin } = app.deps;
  requireApiKey(app, { admin: true });
  const registry = new Registry();
  let state: SharedState | undefined;
  addStateGauges(registry, () => state);

  app.get(
    '/admin/metrics',
    {
      schema: {
        operationId: 'getMetrics',
        tags: ['admin'],
        summary: "Prometheus metrics: the gateway's alarms, careful mode, clock offset, sync lag",
        security: bearerSecurity,
        response: { 200: prometheusText, ...problems(401, 403, 503) },
      },
    },
    async (_request, reply) => {
      state = { health: await admin.gatewayHealth() };
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
};
