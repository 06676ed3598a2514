import {
  acknowledgeGatewayBodySchema,
  acknowledgeGatewayResultSchema,
  ConflictError,
  linkPaymentBodySchema,
  NotFoundError,
  paymentIdParamsSchema,
  paymentSchema,
  reconciliationReportSchema,
  requeuePaymentBodySchema,
  toPaymentResponse,
} from '@pt/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { requireApiKey } from '../plugins/auth.js';
import { bearerSecurity, problems } from './schema-helpers.js';

/**
 * /admin: the operator's view of what the syncer could not settle alone, and the two actions
 * on an unconfirmed payment. Admin keys only (`make api-key NAME=ops ADMIN=1`).
 */
export const adminRoutes: FastifyPluginAsyncZod = async (app) => {
  const { admin, payments, unconfirmed, config } = app.deps;
  requireApiKey(app, { admin: true });

  app.get(
    '/admin/reconciliation',
    {
      schema: {
        operationId: 'getReconciliation',
        tags: ['admin'],
        summary: 'Payments and gateway entries that need an operator',
        security: bearerSecurity,
        response: { 200: reconciliationReportSchema, ...problems(401, 403, 503) },
      },
    },
    async () =>
      admin.reconciliationReport({
        stalePendingMs: config.ADMIN_STALE_PENDING_MS,
        stuckReceivedMs: config.ADMIN_STUCK_RECEIVED_MS,
        limit: 500,
      }),
  );

  app.post(
    '/admin/gateway/acknowledge',
    {
      schema: {
        operationId: 'acknowledgeGateway',
        tags: ['admin'],
        summary: "Acknowledge the gateway's foreign entries and its list size, so automatic decisions resume",
        description:
          'Foreign entries (inside no submission window) stop automatic linking and re-queueing: someone else submits to the gateway, or it recorded a request later than GATEWAY_MAX_RECORDING_DELAY_MS. After looking into them, an operator acknowledges them here; who and why are recorded.',
        security: bearerSecurity,
        body: acknowledgeGatewayBodySchema,
        response: { 200: acknowledgeGatewayResultSchema, ...problems(400, 401, 403, 415, 422, 503) },
      },
    },
    async (request) => {
      const by = request.client?.name ?? 'operator';
      const result = await admin.acknowledgeGateway(by, request.body.reason);
      request.log.warn({ operator: by, acknowledged: result.acknowledgedForeign }, 'operator acknowledged the gateway state');
      return { acknowledged_foreign: result.acknowledgedForeign, list_size_accepted: result.listSize };
    },
  );

  app.post(
    '/admin/payments/:id/link',
    {
      schema: {
        operationId: 'linkPayment',
        tags: ['admin'],
        summary: 'Link an unconfirmed payment to the gateway entry an operator identified',
        security: bearerSecurity,
        params: paymentIdParamsSchema,
        body: linkPaymentBodySchema,
        response: { 200: paymentSchema, ...problems(400, 401, 403, 404, 409, 415, 422, 503) },
      },
    },
    async (request) => {
      const { confirmation_id: confirmationId, reason } = request.body;
      const payment = await payments.findById(request.params.id);
      if (!payment) throw new NotFoundError('No payment with this id.');
      const linked = await payments.linkByOperator(payment.id, confirmationId, reason);
      if (!linked) throw new ConflictError(`Only an unconfirmed payment can be linked; this one is ${payment.status}.`);
      request.log.warn({ paymentId: payment.id, confirmationId, operator: request.client?.name }, 'operator linked payment');
      return toPaymentResponse(linked);
    },
  );

  app.post(
    '/admin/payments/:id/requeue',
    {
      schema: {
        operationId: 'requeuePayment',
        tags: ['admin'],
        summary: 'Queue an unconfirmed payment to be sent again (only when the gateway surely never recorded it)',
        security: bearerSecurity,
        params: paymentIdParamsSchema,
        body: requeuePaymentBodySchema,
        response: { 200: paymentSchema, ...problems(400, 401, 403, 404, 409, 415, 422, 503) },
      },
    },
    async (request) => {
      const payment = await payments.findById(request.params.id);
      if (!payment) throw new NotFoundError('No payment with this id.');
      const requeued = await unconfirmed.requeue(payment.id, null, 'operator', request.body.reason);
      if (!requeued) throw new ConflictError(`Only an unconfirmed payment can be re-queued; this one is ${payment.status}.`);
      request.log.warn({ paymentId: payment.id, operator: request.client?.name }, 'operator re-queued payment');
      return toPaymentResponse(requeued);
    },
  );
};
