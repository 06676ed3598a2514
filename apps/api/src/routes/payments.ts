import fastifyAccepts from '@fastify/accepts';
import {
  createPaymentBodySchema,
  getPaymentQuerySchema,
  listPaymentsQuerySchema,
  NotFoundError,
  paymentEventListSchema,
  paymentIdParamsSchema,
  paymentListSchema,
  paymentSchema,
  toEventResponse,
  toPaymentFilter,
  toPaymentResponse,
  ValidationError,
} from '@pt/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { clientOf, requireApiKey } from '../plugins/auth.js';
import { exportPaymentsCsv } from '../services/payments-export.js';
import { createPaymentsService } from '../services/payments-service.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { bearerSecurity, problems } from './schema-helpers.js';

const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'must be 1-255 visible ASCII characters')
    .optional()
    .meta({ description: 'Makes retries safe: the same key and body return the original answer.' }),
});

/** What GET /payments can answer, the first being the default (no Accept header, or one naming neither). */
const LIST_TYPES = ['application/json', 'text/csv'];

/** /payments: submit, read, list, history. Every route is the caller's own data only. */
export const paymentsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { payments, config } = app.deps;
  const service = createPaymentsService(app.deps);
  requireApiKey(app);
  await app.register(fastifyAccepts);

  app.post(
    '/payments',
    {
      schema: {
        operationId: 'createPayment',
        tags: ['payments'],
        summary: 'Submit a payment',
        description:
          'Only from a sender account registered to your client by an administrator. Any other answers 403 sender-account-not-allowed (the same for an account nobody owns and for one another client owns) once the body is valid: nothing is stored or sent, and the Idempotency-Key stays unused.',
        security: bearerSecurity,
        headers: idempotencyHeaders,
        body: createPaymentBodySchema(config.maxAmountCents),
        response: { 201: paymentSchema, 202: paymentSchema, ...problems(400, 401, 403, 409, 413, 415, 422, 429, 500, 503) },
      },
    },
    async (request, reply) => {
      const result = await service.submit(clientOf(request), request.body, request.headers['idempotency-key']);
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      if (result.paymentId) reply.header('location', `/payments/${result.paymentId}`);
      return reply.code(result.statusCode).send(result.body);
    },
  );

  app.get(
    '/payments/:id',
    {
      schema: {
        operationId: 'getPayment',
        tags: ['payments'],
        summary: 'Read a payment',
        security: bearerSecurity,
        params: paymentIdParamsSchema,
        querystring: getPaymentQuerySchema,
        response: { 200: paymentSchema, ...problems(401, 404, 422, 429, 503) },
      },
    },
    async (request) => {
      const client = clientOf(request);
      let payment = await payments.findForClient(client.id, request.params.id);
      if (!payment) throw new NotFoundError('No payment with this id.');
      if (request.query.refresh) payment = (await app.refresh(client, payment)) ?? payment;
      return toPaymentResponse(payment);
    },
  );

  app.get(
    '/payments',
    {
      schema: {
        operationId: 'listPayments',
        tags: ['payments'],
        summary: 'List your payments, newest first, or export them as CSV',
        description:
          "Filters combine (AND) and page with the cursor. With `Accept: text/csv` or `format=csv` the answer is every matching payment as a CSV download (a header row, then one row per payment in the JSON fields' order), streamed; an error after the first byte cuts the connection, so a download that ends without its final chunk is incomplete.",
        security: bearerSecurity,
        querystring: listPaymentsQuerySchema,
        response: { 200: paymentListSchema, ...problems(401, 422, 503) },
      },
    },
    async (request, reply) => {
      const { limit, cursor, format } = request.query;
      const afterId = cursor === undefined ? undefined : decodeCursor(cursor);
      if (afterId === null)
        throw new ValidationError([{ field: 'query.cursor', message: 'is not a cursor from a previous page' }]);
      const clientId = clientOf(request).id;
      const filter = toPaymentFilter(request.query);
      if (format === 'csv' || (format === undefined && request.accepts().type(LIST_TYPES) === 'text/csv')) {
        const csv = await exportPaymentsCsv(
          { payments, batchSize: config.EXPORT_BATCH_SIZE, log: request.log },
          { clientId, filter, afterId },
        );
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        // The response schema types the JSON answer; Fastify writes a stream as it comes, unserialized.
        return reply
          .type('text/csv; charset=utf-8; header=present')
          .header('content-disposition', `attachment; filename="payments-${stamp}.csv"`)
          .send(csv as unknown as z.output<typeof paymentListSchema>);
      }
      const page = await payments.listForClient(clientId, { limit, afterId, filter });
      const last = page.items.at(-1);
      return { items: page.items.map(toPaymentResponse), next_cursor: page.hasMore && last ? encodeCursor(last.id) : null };
    },
  );

  app.get(
    '/payments/:id/events',
    {
      schema: {
        operationId: 'listPaymentEvents',
        tags: ['payments'],
        summary: "A payment's status history, oldest first",
        security: bearerSecurity,
        params: paymentIdParamsSchema,
        response: { 200: paymentEventListSchema, ...problems(401, 404, 422, 503) },
      },
    },
    async (request) => {
      const payment = await payments.findForClient(clientOf(request).id, request.params.id);
      if (!payment) throw new NotFoundError('No payment with this id.');
      return { items: (await payments.listEvents(payment.id)).map(toEventResponse) };
    },
  );
};
