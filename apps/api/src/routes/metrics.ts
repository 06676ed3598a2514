import type { GatewayHealth } from '@pt/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { Gauge, Registry } from 'prom-client';
import { z } from 'zod';
import { requireApiKey } from '../plugins/auth.js';
import { bearerSecurity, problems } from './schema-helpers.js';

/**
 * GET /admin/metrics: the delivery protocol's alarms as Prometheus gauges (prom-client), read
 * from the database at scrape time, so every API process reports the same shared state.
 */
export const metricsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { admin } = app.deps;
  requireApiKey(app, { admin: true });
  const registry = new Registry();
  let health: GatewayHealth | undefined;
  const gauge = (name: string, help: string, read: (h: GatewayHealth) => number | boolean | null, labels?: string[]) =>
    new Gauge({
      name: `payment_tracker_${name}`,
      help,
      registers: [registry],
      labelNames: labels ?? [],
      collect() {
        const value = health ? read(health) : null;
        if (value !== null) this.set(Number(value));
      },
    });
  gauge('gateway_clock_alarm', '1 while the gateway clock offset is unknown or moved', (h) => h.clockAlarm);
  gauge('gateway_list_alarm', '1 when the last status list contradicted our records (no absence decision)', (h) => h.listAlarm);
  gauge('gateway_careful_mode', '1 while the gateway misbehaves: one send at a time, none inline', (h) => h.careful);
  gauge('gateway_clock_offset_low_ms', 'lower bound of the gateway clock minus ours', (h) => h.clockOffsetLowMs);
  gauge('gateway_clock_offset_high_ms', 'upper bound of the gateway clock minus ours', (h) => h.clockOffsetHighMs);
  gauge('gateway_foreign_entries', 'gateway entries in no window, waiting for an operator', (h) => h.foreignUnacknowledged);
  gauge('gateway_double_send_alarms', 'late acceptances after a newer send, waiting for an operator', (h) => h.doubleSendAlarms);
  gauge('unconfirmed_payments', 'payments whose submission outcome is unknown', (h) => h.unconfirmed);
  gauge('sync_lag_seconds', 'seconds since the last complete read of the gateway list', (h) => h.syncLagSeconds);

  app.get(
    '/admin/metrics',
    {
      schema: {
        operationId: 'getMetrics',
        tags: ['admin'],
        summary: "Prometheus metrics: the gateway's alarms, careful mode, clock offset, sync lag",
        security: bearerSecurity,
        response: { 200: z.string().meta({ description: 'Prometheus text format 0.0.4' }), ...problems(401, 403, 503) },
      },
    },
    async (_request, reply) => {
      health = await admin.gatewayHealth();
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
};
