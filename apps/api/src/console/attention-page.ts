import type { CandidateEntry, ReconciliationReport } from '@pt/core';
import { type Html, html, time } from './html.js';
import { statusBadge } from './layout.js';

type Unconfirmed = ReconciliationReport['unconfirmed'][number];

const paymentLink = (id: string) => html`<a class="mono" href="/console/payments/${id}">${id}</a>`;

function table(head: string[], rows: Html[], empty: string): Html {
  if (rows.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<div class="table"><table><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

/** The gateway's alarms, when any is raised: they explain why automatic decisions stopped. */
function alarms(report: ReconciliationReport): Html {
  const { gateway, sync } = report;
  const lines = [
    gateway.careful_since ? html`<li>Careful mode since ${time(gateway.careful_since)}: ${gateway.careful_reason}</li>` : '',
    gateway.clock_alarm ? html`<li>Gateway clock: ${gateway.clock_alarm}</li>` : '',
    gateway.list_alarm ? html`<li>Gateway list: ${gateway.list_alarm}</li>` : '',
    gateway.foreign_unacknowledged > 0
      ? html`<li>${gateway.foreign_unacknowledged} foreign gateway entries (in no window) are not acknowledged.</li>`
      : '',
    gateway.double_send_alarms > 0 ? html`<li>${gateway.double_send_alarms} late acceptances (possible double sends).</li>` : '',
    sync.last_error ? html`<li>Last sync error: ${sync.last_error}</li>` : '',
  ].filter((line) => line !== '');
  return lines.length ? html`<div class="error" role="alert"><ul>${lines}</ul></div>` : html``;
}

function candidateRows(payment: Unconfirmed, entries: CandidateEntry[]): Html {
  if (entries.length === 0)
    return html`<p class="muted">No gateway entry in its window${payment.window_from ? '' : ' (window not confirmed yet)'}.</p>`;
  const rows = entries.map(
    (entry) => html`<tr><td class="mono">${entry.confirmationId}</td><td>${entry.status}</td>
<td>${time(entry.gatewayCreatedAt)}</td><td>${time(entry.firstSeenAt)}</td>
<td>${
      entry.inLastRead
        ? html`<a class="button" href="/console/payments/${payment.id}/link?confirmation_id=${encodeURIComponent(entry.confirmationId)}">Link…</a>`
        : html`<span class="muted">not in the last read</span>`
    }</td></tr>`,
  );
  return table(['Gateway entry', 'Gateway status', 'Created at the gateway', 'First seen', 'Action'], rows, '');
}

function unconfirmedSection(report: ReconciliationReport, candidates: Map<string, CandidateEntry[]>): Html {
  if (report.unconfirmed.length === 0) return html`<p class="muted">No unconfirmed payment.</p>`;
  return html`${report.unconfirmed.map(
    (payment) => html`<section class="card" aria-label="Unconfirmed payment ${payment.id}">
<h3>${paymentLink(payment.id)}</h3>
<dl class="facts"><dt>Received</dt><dd>${time(payment.created_at)}</dd>
<dt>Sent between</dt><dd>${time(payment.window_from)} and ${time(payment.window_until)}</dd>
<dt>Why</dt><dd>${payment.reason ?? '—'}</dd></dl>
<h4>Candidate gateway entries</h4>
${candidateRows(payment, candidates.get(payment.id) ?? [])}
<div class="actions"><a class="button secondary" href="/console/payments/${payment.id}/requeue">Re-queue…</a></div>
</section>`,
  )}`;
}

/** Needs attention: every list of the reconciliation report, with the actions the admin API allows. */
export function attentionBody(report: ReconciliationReport, candidates: Map<string, CandidateEntry[]>): Html {
  const counts: Array<[string, string, number]> = [
    ['unconfirmed', 'Unconfirmed', report.unconfirmed.length],
    ['missing', 'No longer listed by the gateway', report.missing_at_gateway.length],
    ['stale', 'Pending far too long', report.stale_pending.length],
    ['received', 'Waiting in received', report.stuck_received.length],
    ['orphans', 'Orphan gateway entries', report.orphans.length],
  ];
  return html`${alarms(report)}
<nav aria-label="Sections"><ul class="legend">${counts.map(
    ([id, label, n]) => html`<li><a href="#${id}">${label}</a> <span class="count">${n}</span></li>`,
  )}</ul></nav>
<h2 id="unconfirmed">Unconfirmed</h2>
${unconfirmedSection(report, candidates)}
<h2 id="missing">No longer listed by the gateway</h2>
${table(
  ['Payment', 'Confirmation id', 'Missing since'],
  report.missing_at_gateway.map(
    (p) =>
      html`<tr><td>${paymentLink(p.id)}</td><td class="mono">${p.confirmation_id}</td><td>${time(p.missing_since)}</td></tr>`,
  ),
  'Every pending payment is in the gateway’s list.',
)}
<h2 id="stale">Pending far too long</h2>
${table(
  ['Payment', 'Confirmation id', 'Submitted'],
  report.stale_pending.map(
    (p) => html`<tr><td>${paymentLink(p.id)}</td><td class="mono">${p.confirmation_id}</td><td>${time(p.submitted_at)}</td></tr>`,
  ),
  'None.',
)}
<h2 id="received">Waiting in received</h2>
${table(
  ['Payment', 'Received', 'Attempts', 'Next attempt', 'Last error'],
  report.stuck_received.map(
    (p) => html`<tr><td>${paymentLink(p.id)}</td><td>${time(p.created_at)}</td><td>${p.attempts}</td>
<td>${time(p.next_attempt_at)}</td><td>${p.reason ?? '—'}</td></tr>`,
  ),
  'None.',
)}
<h2 id="orphans">Orphan gateway entries</h2>
${table(
  ['Gateway entry', 'Kind', 'Gateway status', 'Created at the gateway', 'First seen', 'Payment', 'Acknowledged'],
  report.orphans.map(
    (o) => html`<tr><td class="mono">${o.confirmation_id}</td><td>${o.kind}</td><td>${statusBadge(o.status)}</td>
<td>${time(o.gateway_created_at)}</td><td>${time(o.first_seen_at)}</td><td>${o.payment_id ? paymentLink(o.payment_id) : '—'}</td>
<td>${o.acknowledged_at ? html`${time(o.acknowledged_at)} by ${o.acknowledged_by}` : 'no'}</td></tr>`,
  ),
  'No gateway entry without its payment.',
)}`;
}
