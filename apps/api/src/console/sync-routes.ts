import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { html, time } from './html.js';
import { page, sendPage } from './layout.js';
import { viewerOf } from './session.js';
import { syncChart } from './sync-chart.js';

const HOUR_MS = 3_600_000;

const offset = (low: number | null, high: number | null) =>
  low === null || high === null ? html`<span class="muted">unknown</span>` : html`between ${low} and ${high} ms`;

/** Sync health: the syncer's freshness and the gateway's state, as the reconciliation report has them, and the last hour. */
export const syncRoutes: FastifyPluginAsyncZod = async (app) => {
  const { admin, syncState, config } = app.deps;

  app.get('/console/sync', { schema: { hide: true } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const to = new Date();
    const from = new Date(to.getTime() - HOUR_MS);
    // The report's sync and gateway parts; its lists are not shown here, so one row of each is enough.
    const [report, cycles] = await Promise.all([
      admin.reconciliationReport({
        stalePendingMs: config.ADMIN_STALE_PENDING_MS,
        stuckReceivedMs: config.ADMIN_STUCK_RECEIVED_MS,
        limit: 1,
      }),
      syncState.recentCycles(from),
    ]);
    const { sync, gateway } = report;
    const totalChanged = cycles.reduce((sum, c) => sum + c.changed, 0);
    const body = html`<dl class="facts">
<dt>Last complete sync</dt><dd>${time(sync.last_synced_at)}${sync.lag_ms === null ? '' : html` (${Math.round(sync.lag_ms / 1000)} s ago)`}</dd>
<dt>Cycle time</dt><dd>${sync.last_cycle_ms === null ? '—' : `${sync.last_cycle_ms} ms`}</dd>
<dt>Gateway list size</dt><dd>${sync.last_entries ?? '—'} entries</dd>
<dt>Changed in the last cycle</dt><dd>${sync.last_changed ?? '—'}</dd>
<dt>Gateway clock offset</dt><dd>${offset(gateway.clock_offset_low_ms, gateway.clock_offset_high_ms)}${gateway.clock_alarm ? html` <strong>alarm: ${gateway.clock_alarm}</strong>` : ''}</dd>
<dt>Careful mode</dt><dd>${gateway.careful_since ? html`<strong>on</strong> since ${time(gateway.careful_since)}: ${gateway.careful_reason}` : 'off (sends go out in parallel)'}</dd>
<dt>List alarm</dt><dd>${gateway.list_alarm ?? 'none'}</dd>
<dt>Last error</dt><dd>${sync.last_error ?? 'none'}</dd>
</dl>
<h2>The last hour</h2>
<p>${cycles.length} complete cycles, ${totalChanged} statuses changed.</p>
<p class="legend"><span><span class="swatch swatch-cycle"></span>cycle time (ms, left)</span>
<span><span class="swatch swatch-changed"></span>statuses changed per cycle (right)</span></p>
${syncChart(cycles, from, to)}`;
    return sendPage(reply, 200, page({ title: 'Sync health', viewer, screen: 'sync', body }));
  });
};
