import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { sendProblem } from './problem.js';

/**
 * The API's not-found handler: an unknown method on a known path answers 405 with `Allow`,
 * anything else 404. Register it before the routes: it learns every route's path as it is added.
 */
export const methodNotAllowedPlugin = fp(async (app: FastifyInstance) => {
  // Every route's path as a pattern, so an unknown method on a known path answers 405, not 404.
  // Keyed by the pattern's own text: RegExp#source escapes '/', so it never equals that text.
  const routes: Array<{ key: string; pattern: RegExp; methods: Set<string> }> = [];
  app.addHook('onRoute', (route) => {
    const source = `^${route.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[^/]+/g, '[^/]+')}/?$`;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const existing = routes.find((r) => r.key === source);
    if (existing) for (const method of methods) existing.methods.add(method);
    else routes.push({ key: source, pattern: new RegExp(source), methods: new Set(methods) });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = routes.find((r) => r.pattern.test(path));
    if (allowed && !allowed.methods.has(request.method)) {
      const allow = [...allowed.methods].sort().join(', ');
      return sendProblem(
        request,
        reply,
        { status: 405, type: 'method-not-allowed', detail: `${request.method} is not allowed here; use ${allow}.` },
        { allow },
      );
    }
    return sendProblem(request, reply, { status: 404, type: 'not-found', detail: `No route ${request.method} ${path}.` });
  });
});
