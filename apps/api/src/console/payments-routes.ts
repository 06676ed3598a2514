import {
  listPaymentsQuerySchema,
  maskAccount,
  NotFoundError,
  PAYMENT_STATUSES,
  type Payment,
  paymentIdParamsSchema,
  STATUS,
  toPaymentFilter,
  ValidationError,
} from '@pt/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { decodeCursor, encodeCursor } from '../routes/cursor.js';
import { html, time } from './html.js';
import { page, sendPage, statusBadge } from './layout.js';
import { paymentBody } from './payment-page.js';
import { viewerOf } from './session.js';

/** GET /payments' own query (one source for its filters), plus a payment id to jump to. */
// safeExtend: the query schema has refinements (range order), which extend() refuses to carry.
const searchQuerySchema = listPaymentsQuerySchema.safeExtend({ id: z.uuid().optional() });

const DONE_NOTICES = { linked: 'Linked: the payment is pending with that gateway entry.', requeued: 'Queued to be sent again.' };
const paymentPageQuerySchema = z.strictObject({ done: z.enum(['linked', 'requeued']).optional() });

/** A GET form sends empty fields as empty strings: they mean "no filter", not a bad value. */
function dropEmptyFields(request: { query: unknown }, _reply: unknown, done: () => void) {
  const query = request.query as Record<string, unknown>;
  for (const [name, value] of Object.entries(query)) if (value === '') delete query[name];
  done();
}

/** The text filters of the form, each with its GET /payments parameter (the form shows them as typed). */
const TEXT_FILTERS = [
  { name: 'created_from', label: 'Created from', hint: '2026-01-31T09:00:00Z', size: 22 },
  { name: 'created_to', label: 'Created before', hint: '2026-02-01T00:00:00Z', size: 22 },
  { name: 'amount_min', label: 'Amount from', hint: '10.00', size: 10 },
  { name: 'amount_max', label: 'Amount to', hint: '250.00', size: 10 },
  { name: 'sender_account', label: 'Sender account', hint: '', size: 14 },
  { name: 'receiver_account', label: 'Receiver account', hint: '', size: 14 },
  { name: 'memo', label: 'Memo starts with', hint: '', size: 16 },
] as const;

/** The search form, filled with the query as it was typed (`typed`: the raw query string). */
function searchForm(typed: URLSearchParams) {
  const statuses = new Set(typed.getAll('status').flatMap((value) => value.split(',')));
  return html`<form class="search" method="get" action="/console/payments" role="search">
<label for="id">Payment id <input id="id" name="id" size="38" spellcheck="false" value="${typed.get('id') ?? ''}"></label>
<label for="status">Status <select id="status" name="status" multiple size="3">${PAYMENT_STATUSES.map(
    (s) => html`<option${statuses.has(s) ? html` selected` : ''}>${s}</option>`,
  )}</select></label>
${TEXT_FILTERS.map(
  (f) =>
    html`<label for="${f.name}">${f.label} <input id="${f.name}" name="${f.name}" size="${f.size}" spellcheck="false"${f.hint ? html` placeholder="${f.hint}"` : ''} value="${typed.get(f.name) ?? ''}"></label>`,
)}
<label for="limit">Per page <input id="limit" name="limit" type="number" min="1" max="100" value="${typed.get('limit') ?? 20}"></label>
<button type="submit">Search</button>
</form>`;
}

function resultsTable(items: Payment[]) {
  if (items.length === 0) return html`<p class="muted">No payment matches.</p>`;
  return html`<div class="table"><table><thead><tr><th scope="col">Payment</th><th scope="col">Status</th><th scope="col">Amount</th>
<th scope="col">From → to</th><th scope="col">Memo</th><th scope="col">Received</th></tr></thead><tbody>${items.map(
    (p) => html`<tr><td><a class="mono" href="/console/payments/${p.id}">${p.id}</a></td><td>${statusBadge(p.status)}</td>
<td>${p.amount}</td><td class="mono">${maskAccount(p.senderAccount)} → ${maskAccount(p.receiverAccount)}</td>
<td>${p.memo ?? ''}</td><td>${time(p.createdAt)}</td></tr>`,
  )}</tbody></table></div>`;
}

/** Payments: a search over every client's payments with GET /payments' filters and keyset paging; a payment's page. */
export const paymentsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { payments, operator, webhookDeliveries } = app.deps;

  app.get(
    '/console/payments',
    { schema: { hide: true, querystring: searchQuerySchema }, preValidation: dropEmptyFields },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const { id, cursor, limit } = request.query;
      if (id) return reply.redirect(`/console/payments/${id}`, 303);
      const afterId = cursor === undefined ? undefined : decodeCursor(cursor);
      if (afterId === null)
        throw new ValidationError([{ field: 'query.cursor', message: 'is not a cursor from a previous page' }]);
      // The filters go through as GET /payments takes them: new ones reach the repository unchanged.
      const result = await payments.listForClient(null, { limit, afterId, filter: toPaymentFilter(request.query) });
      const last = result.items.at(-1);
      // the next page keeps the filters as they were typed (parsed values such as dates do not print back)
      const next = result.hasMore && last ? new URLSearchParams(request.url.split('?')[1] ?? '') : null;
      if (next && last) next.set('cursor', encodeCursor(last.id));
      const body = html`${searchForm(new URLSearchParams(request.url.split('?')[1] ?? ''))}
<h2>Results</h2>
${resultsTable(result.items)}
<div class="actions">${cursor ? html`<a class="button secondary" href="/console/payments">First page</a>` : ''}
${next ? html`<a class="button secondary" rel="next" href="/console/payments?${next.toString()}">Next page</a>` : ''}</div>`;
      return sendPage(reply, 200, page({ title: 'Payments', viewer, screen: 'payments', body }));
    },
  );

  app.get(
    '/console/payments/:id',
    { schema: { hide: true, params: paymentIdParamsSchema, querystring: paymentPageQuerySchema } },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const payment = await payments.findById(request.params.id);
      if (!payment) throw new NotFoundError('No payment with this id.');
      const [events, deliveries, candidates] = await Promise.all([
        payments.listEvents(payment.id),
        webhookDeliveries.listForPayment(payment.id),
        payment.status === STATUS.unconfirmed ? operator.candidates([payment.id]) : new Map(),
      ]);
      const done = request.query.done;
      const notice = done ? html`<p class="notice" role="status">${DONE_NOTICES[done]}</p>` : '';
      const body = html`${notice}${paymentBody(payment, events, deliveries, candidates.get(payment.id) ?? [])}`;
      return sendPage(reply, 200, page({ title: 'Payment', viewer, screen: 'payments', body }));
    },
  );
};
