import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/**
 * One log line per request instead of Fastify's two ("incoming request", "request completed"):
 * written when it completes, with what both carried (method, path, status, time) and the request
 * id (the request's logger binds it). The query string is left out: it is the caller's, and may
 * carry anything.
 */
export class OneLineRequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const query = request.url.indexOf('?');
    const path = query < 0 ? request.url : request.url.slice(0, query);
    const responseTime = Math.round(reply.elapsedTime * 10) / 10;
    if (error) {
      reply.log.error(
        { method: request.method, path, statusCode: reply.statusCode, responseTime, err: error },
        'request errored',
      );
    } else {
      reply.log.info({ method: request.method, path, statusCode: reply.statusCode, responseTime }, 'request completed');
    }
  }
}
