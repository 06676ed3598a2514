import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** The registry GET /metrics serves: requests, Node's own figures and the shared state. */
    metricsRegistry: Registry;
  }
}

/** Few buckets: each is one more series per route and status, and one more comparison per request. */
const BUCKETS_SECONDS = [0.005, 0.025, 0.1, 0.5, 2.5];
/** The route label of a request no route matched (404s, probes): never the raw URL. */
const UNMATCHED = 'unmatched';

/**
 * Times every request for GET /metrics: one histogram observation per request, in onResponse,
 * labelled by method, route pattern (`/payments/:id`, never the URL) and status code. With
 * METRICS_ENABLED=false no hook is added at all (the bench compares both).
 */
export const requestMetricsPlugin: FastifyPluginAsync = fp(async (app) => {
  const registry = new Registry();
  app.decorate('metricsRegistry', registry);
  if (!app.deps.config.METRICS_ENABLED) return;
  collectDefaultMetrics({ register: registry });
  const requests = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'API requests by method, route pattern and status code, and how long each took',
    labelNames: ['method', 'route', 'status_code'],
    buckets: BUCKETS_SECONDS,
    registers: [registry],
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED;
    requests.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
});
