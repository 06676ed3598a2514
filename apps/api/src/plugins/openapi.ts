import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { OpenAPIV3_1 } from 'openapi-types';
import { completeDocument } from '../openapi/complete-document.js';
import { DOCS_PREFIX } from './security.js';

/**
 * OpenAPI generated from the routes' zod schemas, served at /openapi.json, with a UI at /docs.
 * packages/client is generated from it (`make client`).
 */
export const openapiPlugin = fp(async (app: FastifyInstance) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Payment tracker',
        version: '1.0.0',
        description:
          'Submit payments and read their status. Statuses come from our database, kept in sync with the gateway by the syncer. ' +
          'Authenticate with `Authorization: Bearer <api key>` (use the Authorize button).',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key from `make api-key`.' } },
      },
      tags: [{ name: 'payments' }, { name: 'webhooks' }, { name: 'admin' }, { name: 'health' }],
    },
    transform: jsonSchemaTransform,
    // The zod registry's schemas as components, then the servers, examples and webhooks.
    transformObject: (input) => completeDocument(jsonSchemaTransformObject(input) as OpenAPIV3_1.Document),
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
});
