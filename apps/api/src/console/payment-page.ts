import type { CandidateEntry, Payment, PaymentDeliveryView, PaymentEvent } from '@pt/core';
import { STATUS } from '@pt/core';
import { type Html, html, time } from './html.js';
import { statusBadge } from './layout.js';

function eventsTable(events: PaymentEvent[]): Html {
  return html`<div class="table"><table><thead><tr><th scope="col">At</th><th scope="col">From</th><th scope="col">To</th>
<th scope="col">Source</th><th scope="col">Reason</th><th scope="col">Admin key</th></tr></thead><tbody>${events.map(
    (
      e,
    ) => html`<tr><td>${time(e.at)}</td><td>${e.fromStatus ? statusBadge(e.fromStatus) : '—'}</td><td>${statusBadge(e.toStatus)}</td>
<td>${e.source}</td><td>${e.reason ?? ''}</td><td>${e.actor ?? ''}</td></tr>`,
  )}</tbody></table></div>`;
}

function deliveriesTable(deliveries: PaymentDeliveryView[]): Html {
  if (deliveries.length === 0)
    return html`<p class="muted">No webhook delivery: its client has no endpoint subscribed to its events.</p>`;
  return html`<div class="table"><table><thead><tr><th scope="col">Event</th><th scope="col">Endpoint</th><th scope="col">State</th>
<th scope="col">Attempts</th><th scope="col">Next attempt</th><th scope="col">Finished</th></tr></thead><tbody>${deliveries.map(
    (
      d,
    ) => html`<tr><td>#${d.seq} payment.${d.toStatus}</td><td class="mono">${d.url}</td><td>${d.state}</td><td>${d.attempts}</td>
<td>${time(d.nextAttemptAt)}</td><td>${time(d.finishedAt)}</td></tr>`,
  )}</tbody></table></div>`;
}

function unconfirmedActions(payment: Payment, candidates: CandidateEntry[]): Html {
  const rows = candidates.map(
    (c) => html`<li><code>${c.confirmationId}</code> (${c.status}, created at the gateway ${time(c.gatewayCreatedAt)})
${c.inLastRead ? html`<a href="/console/payments/${payment.id}/link?confirmation_id=${encodeURIComponent(c.confirmationId)}">Link…</a>` : html`<span class="muted">not in the last read</span>`}</li>`,
  );
  return html`<h2>Resolve</h2>
${rows.length ? html`<p>Candidate gateway entries in its window:</p><ul>${rows}</ul>` : html`<p class="muted">No candidate gateway entry in its window.</p>`}
<div class="actions"><a class="button secondary" href="/console/payments/${payment.id}/requeue">Re-queue…</a></div>`;
}

/** A payment's page: its fields, what can be done if it is unconfirmed, its history and its webhook deliveries. */
export function paymentBody(
  payment: Payment,
  events: PaymentEvent[],
  deliveries: PaymentDeliveryView[],
  candidates: CandidateEntry[],
): Html {
  return html`<dl class="facts">
<dt>Id</dt><dd class="mono">${payment.id}</dd>
<dt>Status</dt><dd>${statusBadge(payment.status)}</dd>
<dt>Amount</dt><dd>${payment.amount}</dd>
<dt>Sender account</dt><dd class="mono">${payment.senderAccount}</dd>
<dt>Receiver account</dt><dd class="mono">${payment.receiverAccount}</dd>
<dt>Memo</dt><dd>${payment.memo ?? '—'}</dd>
<dt>Client</dt><dd class="mono">${payment.clientId}</dd>
<dt>Confirmation id</dt><dd class="mono">${payment.confirmationId ?? '—'}</dd>
<dt>Attempts</dt><dd>${payment.attempts}</dd>
<dt>Last error</dt><dd>${payment.lastError ?? '—'}</dd>
<dt>Received</dt><dd>${time(payment.createdAt)}</dd>
<dt>Submitted</dt><dd>${time(payment.submittedAt)}</dd>
<dt>Resolved</dt><dd>${time(payment.resolvedAt)}</dd>
<dt>Last synced</dt><dd>${time(payment.lastSyncedAt)}</dd>
</dl>
${payment.status === STATUS.unconfirmed ? unconfirmedActions(payment, candidates) : ''}
<h2>History</h2>
${eventsTable(events)}
<h2>Webhook deliveries</h2>
${deliveriesTable(deliveries)}`;
}
