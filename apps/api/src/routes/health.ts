import { ServiceUnavailableError } from '@pt/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const ok = z.object({ status: z.literal('ok') });

/** /healthz: the process answers. /readyz: and its database does too (503 otherwise). */
export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  const { sql } = app.deps;

  app.get('/healthz', { schema: { operationId: 'health', tags: ['health'], response: { 200: ok } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get('/readyz', { schema: { operationId: 'ready', tags: ['health'], response: { 200: ok } } }, async () => {
    try {
      await Promise.race([
        sql`SELECT 1`,
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
      ]);
    } catch {
      throw new ServiceUnavailableError('The database is not reachable.');
    }
    return { status: 'ok' as const };
  });
};
