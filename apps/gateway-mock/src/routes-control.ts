/**
 * The test/operator control surface under /__mock/ (not part of the real gateway):
 * faults, the recorded payments, bulk seeding, counters and the clock offset.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { clockRequestSchema, type MockClock } from './clock.js';
import { faultConfigSchema } from './faults.js';
import { fullPaymentJson, idJson, jsonArrayChunks, sendJsonStream } from './json-stream.js';
import type { GatewayMockHandle } from './state.js';
import { UnparsedBody } from './submit-validation.js';
import { parseTimestamp } from './timestamps.js';

export const MAX_SEED_COUNT = 10_000_000;
const SAMPLE_SIZE = 5;

export const seedRequestSchema = z.strictObject({
  count: z.number().int().min(0).max(MAX_SEED_COUNT),
  status: z.enum(['pending', 'settled', 'returned', 'failed', 'mixed']).default('pending'),
  created_at: z
    .string()
    .refine((text) => !Number.isNaN(parseTimestamp(text)), 'created_at must be an ISO-8601 timestamp')
    .optional(),
  return_ids: z.boolean().default(false),
});

export type SeedRequestBody = z.input<typeof seedRequestSchema>;

function badRequest(reply: FastifyReply, error: string, message: string): FastifyReply {
  return reply.code(400).send({ error, message });
}

/** Returns the parsed body, or answers 400 and returns undefined. */
function parseBody<S extends z.ZodType>(body: unknown, schema: S, reply: FastifyReply, what: string): z.output<S> | undefined {
  if (body instanceof UnparsedBody) {
    badRequest(reply, `invalid ${what}`, body.jsonError ?? 'the body must be JSON');
    return undefined;
  }
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    badRequest(reply, `invalid ${what}`, z.prettifyError(parsed.error));
    return undefined;
  }
  return parsed.data;
}

/** The offset and the time it gives, as ISO with `Z` whatever the timestamp style, so tests can compare. */
function clockView(clock: MockClock): { offset_ms: number; now: string } {
  return { offset_ms: clock.offsetMs, now: new Date(clock.now()).toISOString() };
}

export function registerControlRoutes(app: FastifyInstance, mock: GatewayMockHandle): void {
  const { store, faults, clock, now } = mock;

  app.get('/__mock/faults', async () => faults.current());

  app.put('/__mock/faults', async (request, reply) => {
    const config = parseBody(request.body, faultConfigSchema, reply, 'fault config');
    if (config === undefined) return reply;
    return faults.set(config);
  });

  app.delete('/__mock/faults', async () => {
    faults.clear();
    return faults.current();
  });

  app.get('/__mock/payments', async (_request, reply) => {
    const { items, length } = store.snapshot();
    return sendJsonStream(reply, jsonArrayChunks(items, length, fullPaymentJson));
  });

  app.delete('/__mock/payments', async () => ({ deleted: store.clear() }));

  app.post('/__mock/seed', async (request, reply) => {
    const seed = parseBody(request.body, seedRequestSchema, reply, 'seed request');
    if (seed === undefined) return reply;
    const createdMs = seed.created_at === undefined ? undefined : parseTimestamp(seed.created_at);
    const batch = store.seed({ count: seed.count, status: seed.status, createdMs }, now());
    if (seed.return_ids) {
      reply.header('x-seeded-count', String(batch.length));
      return sendJsonStream(reply, jsonArrayChunks(batch, batch.length, idJson, { chunkSize: 2000 }));
    }
    return { seeded: batch.length, confirmation_ids_sample: batch.slice(0, SAMPLE_SIZE).map((p) => p.id) };
  });

  app.get('/__mock/clock', async () => clockView(clock));

  // A step of the gateway's clock, e.g. an NTP correction or a daylight-saving change.
  app.put('/__mock/clock', async (request, reply) => {
    const body = parseBody(request.body, clockRequestSchema, reply, 'clock');
    if (body === undefined) return reply;
    clock.setOffset(body.offset_ms);
    return clockView(clock);
  });

  app.get('/__mock/stats', async () => mock.stats());

  app.delete('/__mock/stats', async () => {
    mock.resetStats();
    return mock.stats();
  });
}
