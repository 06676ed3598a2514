import {
  acknowledgeGatewayBodySchema,
  acknowledgeGatewayResultSchema,
  adminPaymentEventListSchema,
  linkPaymentBodySchema,
  NotFoundError,
  paymentIdParamsSchema,
  paymentSchema,
  reconciliationReportSchema,
  requeuePaymentBodySchema,
  toAdminEventResponse,
  toPaymentResponse,
} from '@pt/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { clientOf, requireApiKey } from '../plugins/auth.js';
import { bearerSecurity, problems } from './schema-helpers.js';

/**
 * /admin: the operator's view of what the syncer could not settle alone, and the two actions
 * on an unconfirmed payment, each recorded with the admin key that acted. Admin keys only
 * (`make api-key NAME=ops ADMIN=1`). Sender accounts are in admin-accounts.ts.
 */
export const adminRoutes: FastifyPluginAsyncZod = async (app) => {
  const { admin, payments, operator, config } = app.deps;
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
          'Foreign entries (inside no submission window) stop automatic linking and re-queueing: someone else submits to the gateway, or it recorded a request later than GATEWAY_MAX_RECORDING_DELAY_MS. After looking into them, an operator acknowledges them here; the admin key (its public id, as acknowledged_by) and the reason are recorded.',
        security: bearerSecurity,
        body: acknowledgeGatewayBodySchema,
        response: { 200: acknowledgeGatewayResultSchema, ...problems(400, 401, 403, 415, 422, 503) },
      },
    },
    async (request) => {
      const actor = clientOf(request).keyId;
      const result = await admin.acknowledgeGateway(actor, request.body.reason);
      request.log.warn({ actor, acknowledged: result.acknowledgedForeign }, 'operator acknowledged the gateway state');
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
        description:
          "Only an entry the syncer's last complete read of the gateway's list showed as unowned (listed under orphans in the reconciliation report, seen in the last sync) that no payment holds; anything else answers 409 gateway-entry-not-linkable. The client reads a fixed text, not the reason.",
        security: bearerSecurity,
        params: paymentIdParamsSchema,
        body: linkPaymentBodySchema,
        response: { 200: paymentSchema, ...problems(400, 401, 403, 404, 409, 415, 422, 503) },
      },
    },
    async (request) => {
      const { confirmation_id: confirmationId, reason } = request.body;
      const actor = clientOf(request).keyId;
      const linked = await operator.link(request.params.id, confirmationId, { actor, reason });
      request.log.warn({ paymentId: linked.id, confirmationId, actor }, 'operator linked payment');
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
        description:
          "Refused (409 requeue-needs-force) while the gateway may hold the payment: its window in the gateway's clock holds entries no payment holds, or is not confirmed yet. `force: true` sends it anyway; the event records that it was forced. The client reads a fixed text, not the reason.",
        security: bearerSecurity,
        params: paymentIdParamsSchema,
        body: requeuePaymentBodySchema,
        response: { 200: paymentSchema, ...problems(400, 401, 403, 404, 409, 415, 422, 503) },
      },
    },
    async (request) => {
      const { reason, force } = request.body;
      const actor = clientOf(request).keyId;
      const requeued = await operator.requeue(request.params.id, { actor, reason, force });
      request.log.warn({ paymentId: requeued.id, actor, force }, 'operator re-queued payment');
      return toPaymentResponse(requeued);
    },
  );

  app.get(
    '/admin/payments/:id/events',
    {
      schema: {
        operationId: 'listPaymentEventsAsAdmin',
        tags: ['admin'],
        summary: "Any client's payment history, with operators' reasons and the admin key behind each",
        security: bearerSecurity,
        params: paymentIdParamsSchema,
        response: { 200: adminPaymentEventListSchema, ...problems(401, 403, 404, 422, 503) },
      },
    },
    async (request) => {
      const payment = await payments.findById(request.params.id);
      if (!payment) throw new NotFoundError('No payment with this id.');
      return { items: (await payments.listEvents(payment.id)).map(toAdminEventResponse) };
    },
  );
};
