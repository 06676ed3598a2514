import { AppError } from '@pt/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * A POST/PUT/PATCH without a Content-Type would reach validation as "body missing": answer 415
 * and say what is wrong instead (a body that does come without one already fails Fastify's
 * content-type parsing, also 415). A route that takes no body (its schema declares none, like
 * POST /events/{id}/redeliver) needs no Content-Type: clients generated from the document send
 * none. The error handler in problem.ts writes the answer; register this before the routes,
 * which it hooks as they are added.
 */
export const contentTypePlugin = fp(async (app: FastifyInstance) => {
  // Only routes that take a body get this hook (unknown routes and methods answer 404/405
  // whatever the body, and a GET does not pay for a check that cannot apply).
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((method) => BODY_METHODS.has(method)) || route.schema?.body === undefined) return;
    const existing = route.preValidation ?? [];
    route.preValidation = [requireContentType, ...(Array.isArray(existing) ? existing : [existing])];
  });
});

function requireContentType(request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void {
  const missing = BODY_METHODS.has(request.method) && !request.headers['content-type'];
  done(
    missing
      ? new AppError(
          415,
          'unsupported-media-type',
          'Unsupported Media Type',
          'Send the body as application/json (Content-Type header missing).',
        )
      : undefined,
  );
}
