import { ServiceUnavailableError } from '@pt/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problems } from './schema-helpers.js';

const ok = z.object({ status: z.literal('ok') });

/** /healthz: the process answers. /readyz: and its database does too (503 otherwise). */
export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  const { health } = app.deps;

  app.get('/healthz', { schema: { operationId: 'health', tags: ['health'], response: { 200: ok } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get(
    '/readyz',
    { schema: { operationId: 'ready', tags: ['health'], response: { 200: ok, ...problems(503) } } },
    async () => {
      if (!(await health.isReachable(2000))) throw new ServiceUnavailableError('The database is not reachable.');
      return { status: 'ok' as const };
    },
  );
};
