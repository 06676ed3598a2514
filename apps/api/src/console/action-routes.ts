import { linkPaymentBodySchema, NotFoundError, paymentIdParamsSchema, requeuePaymentBodySchema } from '@pt/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Html, html, time } from './html.js';
import { page, sendPage, statusBadge } from './layout.js';
import { viewerOf } from './session.js';
import { checkCsrfHook } from './sign-in-routes.js';

const csrfField = { _csrf: z.string().max(200) };
/** The admin API's bodies, as forms send them: a checkbox is "on" or absent. */
const linkFormSchema = linkPaymentBodySchema.extend(csrfField);
const requeueFormSchema = requeuePaymentBodySchema.extend({
  ...csrfField,
  force: z
    .literal('on')
    .optional()
    .transform((value) => value === 'on'),
});
const linkQuerySchema = z.strictObject({ confirmation_id: linkPaymentBodySchema.shape.confirmation_id });

function reasonField(): Html {
  return html`<label for="reason">Reason (kept with the event, with your key)
<textarea id="reason" name="reason" rows="3" minlength="3" maxlength="500" required></textarea></label>`;
}

/**
 * The two actions of the admin API on an unconfirmed payment, each behind a confirmation page:
 * a GET shows what will happen and asks for the reason, the POST (CSRF-checked) calls the same
 * repository as POST /admin/payments/{id}/link and /requeue, with the session's admin key as actor.
 * Refusals (409 and the like) come back as the error page with the repository's own words.
 */
export const actionRoutes: FastifyPluginAsyncZod = async (app) => {
  const { payments, operator } = app.deps;

  async function unconfirmedSummary(id: string): Promise<Html> {
    const payment = await payments.findById(id);
    if (!payment) throw new NotFoundError('No payment with this id.');
    return html`<dl class="facts"><dt>Payment</dt><dd class="mono"><a href="/console/payments/${payment.id}">${payment.id}</a></dd>
<dt>Status</dt><dd>${statusBadge(payment.status)}</dd><dt>Amount</dt><dd>${payment.amount}</dd>
<dt>Received</dt><dd>${time(payment.createdAt)}</dd></dl>`;
  }

  app.get(
    '/console/payments/:id/link',
    { schema: { hide: true, params: paymentIdParamsSchema, querystring: linkQuerySchema } },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const { confirmation_id: confirmationId } = request.query;
      const body = html`${await unconfirmedSummary(request.params.id)}
<p>Link this payment to the gateway entry <code>${confirmationId}</code>? It becomes <strong>pending</strong> with that
confirmation id, and the next sync brings the entry's status. This cannot be undone.</p>
<form class="stack" method="post" action="/console/payments/${request.params.id}/link">
<input type="hidden" name="_csrf" value="${viewer.csrf}">
<input type="hidden" name="confirmation_id" value="${confirmationId}">
${reasonField()}
<div class="actions"><button type="submit">Confirm link</button>
<a class="button secondary" href="/console">Cancel</a></div>
</form>`;
      return sendPage(reply, 200, page({ title: 'Link to a gateway entry', viewer, screen: 'attention', body }));
    },
  );

  app.post(
    '/console/payments/:id/link',
    { schema: { hide: true, params: paymentIdParamsSchema, body: linkFormSchema }, preValidation: checkCsrfHook },
    async (request, reply) => {
      const { keyId: actor } = viewerOf(request);
      const { confirmation_id: confirmationId, reason } = request.body;
      const linked = await operator.link(request.params.id, confirmationId, { actor, reason });
      request.log.warn({ paymentId: linked.id, confirmationId, actor }, 'operator linked payment (console)');
      return reply.redirect(`/console/payments/${linked.id}?done=linked`, 303);
    },
  );

  app.get('/console/payments/:id/requeue', { schema: { hide: true, params: paymentIdParamsSchema } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const body = html`${await unconfirmedSummary(request.params.id)}
<p>Queue this payment to be sent to the gateway again? If the gateway did record it, it is paid twice: without
<em>force</em>, this is refused while its window holds gateway entries no payment holds, or is not confirmed yet.</p>
<form class="stack" method="post" action="/console/payments/${request.params.id}/requeue">
<input type="hidden" name="_csrf" value="${viewer.csrf}">
${reasonField()}
<label class="check"><input type="checkbox" name="force"> Force: send it again even though the gateway may hold it</label>
<div class="actions"><button type="submit" class="danger">Confirm re-queue</button>
<a class="button secondary" href="/console">Cancel</a></div>
</form>`;
    return sendPage(reply, 200, page({ title: 'Re-queue a payment', viewer, screen: 'attention', body }));
  });

  app.post(
    '/console/payments/:id/requeue',
    { schema: { hide: true, params: paymentIdParamsSchema, body: requeueFormSchema }, preValidation: checkCsrfHook },
    async (request, reply) => {
      const { keyId: actor } = viewerOf(request);
      const { reason, force } = request.body;
      const requeued = await operator.requeue(request.params.id, { actor, reason, force });
      request.log.warn({ paymentId: requeued.id, actor, force }, 'operator re-queued payment (console)');
      return reply.redirect(`/console/payments/${requeued.id}?done=requeued`, 303);
    },
  );
};
