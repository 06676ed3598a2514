import { WEBHOOK_EVENT_TYPES } from '@pt/core';
import type { OpenAPIV3_1 } from 'openapi-types';
import { CSV_COLUMNS } from '../services/payments-export.js';
import { OPERATION_EXAMPLES, WEBHOOK_EXAMPLE } from './examples.js';

type Document = OpenAPIV3_1.Document;
type Operation = OpenAPIV3_1.OperationObject;
type MediaType = OpenAPIV3_1.MediaTypeObject;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * Where the API is: this document's own server (a relative URL, resolved against where it was
 * fetched), then `make run-app`'s address for local development.
 */
const SERVERS: OpenAPIV3_1.ServerObject[] = [
  { url: '/', description: 'The API that serves this document' },
  { url: 'http://127.0.0.1:8000', description: 'Local development (make run-app)' },
];

const WEBHOOK_HEADERS: OpenAPIV3_1.ParameterObject[] = [
  ['webhook-id', 'The event id (evt_…), the same on every retry and redelivery: deduplicate by it.'],
  ['webhook-timestamp', 'When this attempt was signed, in seconds since the epoch.'],
  ['webhook-signature', 'v1,<base64 HMAC-SHA256> (Standard Webhooks), one per current secret, space-separated.'],
].map(([name, description]) => ({ name: String(name), in: 'header', required: true, description, schema: { type: 'string' } }));

/** The webhooks the syncer sends to registered endpoints, one per event type (OpenAPI 3.1 `webhooks`). */
function webhooks(): Record<string, OpenAPIV3_1.PathItemObject> {
  return Object.fromEntries(
    WEBHOOK_EVENT_TYPES.map((type) => [
      type,
      {
        post: {
          operationId: `webhook_${type.replace('.', '_')}`,
          tags: ['webhooks'],
          summary: `Sent to your endpoint when a payment becomes ${type.slice('payment.'.length)}`,
          description:
            'Signed with the endpoint’s secret (Standard Webhooks: verify with the `standardwebhooks` package over the raw body). ' +
            'Delivered at least once, retried with backoff until a 2xx; a payment’s events arrive in order.',
          parameters: WEBHOOK_HEADERS,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/WebhookEvent' },
                example: { ...WEBHOOK_EXAMPLE, type },
              },
            },
          },
          responses: {
            '200': { description: 'Any 2xx: delivered. Anything else, or no answer within the timeout: retried later.' },
          },
        },
      },
    ]),
  );
}

/** Puts an example on the first media type of a request body or answer. */
function exemplify(content: Record<string, MediaType> | undefined, example: unknown): void {
  const media = content ? Object.values(content)[0] : undefined;
  if (media) media.example = example;
}

function addExamples(operation: Operation): void {
  const example = operation.operationId ? OPERATION_EXAMPLES[operation.operationId] : undefined;
  if (!example) return;
  const body = operation.requestBody as OpenAPIV3_1.RequestBodyObject | undefined;
  if (example.request !== undefined) exemplify(body?.content, example.request);
  const answer = operation.responses?.[String(example.status)] as OpenAPIV3_1.ResponseObject | undefined;
  if (example.response !== null) exemplify(answer?.content, example.response);
}

/** GET /payments also answers CSV (`format=csv` or `Accept: text/csv`): the route streams it past the JSON schema. */
function addCsvAnswer(operation: Operation): void {
  if (operation.operationId !== 'listPayments') return;
  const ok = operation.responses?.['200'] as OpenAPIV3_1.ResponseObject | undefined;
  if (!ok) return;
  ok.content = {
    ...ok.content,
    'text/csv': {
      schema: {
        type: 'string',
        description:
          `Every matching payment (limit does not apply), newest first, streamed: RFC 4180, CRLF, a header row (${CSV_COLUMNS.join(', ')}); ` +
          "a cell that a spreadsheet would read as a formula starts with '. A download cut short ends without its last line: the server closed the connection on an error.",
      },
      example: `${CSV_COLUMNS.join(',')}\r\n`,
    },
  };
}

/**
 * What the routes' schemas alone do not say: the servers, an example on every operation, the
 * list's CSV answer, and the webhooks sent to clients' endpoints. Runs once, on the document
 * @fastify/swagger built.
 */
export function completeDocument(document: Document): Document {
  for (const item of Object.values(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item?.[method];
      if (operation) {
        addExamples(operation);
        addCsvAnswer(operation);
      }
    }
  }
  return { ...document, servers: SERVERS, webhooks: webhooks() };
}
