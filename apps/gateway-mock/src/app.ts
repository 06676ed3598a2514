/** Builds the gateway mock: a Fastify app with the gateway contract and the /__mock control surface. */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { registerControlRoutes } from './routes-control.js';
import { registerGatewayRoutes } from './routes-gateway.js';
import { createHandle, type GatewayMockHandle, type GatewayMockOptions } from './state.js';
import { UnparsedBody } from './submit-validation.js';

/** A Fastify instance with the mock's state attached as `mock` (store, faults, stats). */
export type GatewayMockInstance = FastifyInstance & { readonly mock: GatewayMockHandle };

const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\b/i;

/** Parses every body as text: JSON when it says so (or has no content type, like FastAPI), else kept raw. */
function registerBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, text, done) => {
    const raw = typeof text === 'string' ? text : text.toString('utf8');
    const type = request.headers['content-type'];
    if (type !== undefined && !JSON_TYPE.test(type)) {
      done(null, new UnparsedBody(raw, undefined));
      return;
    }
    if (raw.length === 0) {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(raw));
    } catch (error) {
      done(null, new UnparsedBody(raw, (error as Error).message));
    }
  });
}

export function buildGatewayMock(options: GatewayMockOptions = {}): GatewayMockInstance {
  const mock = createHandle(options);
  const app = Fastify({
    logger: (options.logger ?? false) as FastifyServerOptions['logger'],
    // No per-request log lines: the mock serves benchmarks and must stay cheap.
    logController: new LogController({ disableRequestLogging: true }),
    // Hung requests must not keep close() waiting.
    forceCloseConnections: true,
  });
  app.decorate('mock', mock);
  registerBodyParser(app);

  // FastAPI-like error bodies for the odd framework error (413, 404, ...).
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const code = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    if (code >= 500) request.log.error({ err: error }, 'gateway mock request failed');
    return reply.code(code).send({ detail: code >= 500 ? 'Internal Server Error' : error.message });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ detail: 'Not Found' }));

  registerGatewayRoutes(app, mock);
  registerControlRoutes(app, mock);

  app.addHook('preClose', (done) => {
    mock.inflight.releaseAll();
    done();
  });
  return app as unknown as GatewayMockInstance;
}
