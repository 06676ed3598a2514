import { loadRows, loadSideBySide } from '../lib/compare.js';
import type { BenchContext, CaseResult } from '../lib/context.js';
import { seedPayments, truncatePayments } from '../lib/infra.js';
import { startApiProcess, startGatewayMockProcess } from '../lib/servers.js';

const GOAL = 0.95;
/** How often the "on" side is scraped during its load, as a Prometheus with a short interval would. */
const SCRAPE_EVERY_MS = 5000;

/**
 * Case 1b: what metrics cost. The same API and load as case 1 (GET /payments/{id}, 50
 * connections), run twice side by side: with metrics (the default: a histogram observation per
 * request, GET /metrics scraped every 5 s) as "ours", and with METRICS_ENABLED=false as "floor".
 */
export async function runMetricsCost(ctx: BenchContext): Promise<CaseResult> {
  const { db, settings } = ctx;
  ctx.log(`case 1b: GET /payments/{id} with metrics on against off (${settings.getPayments.toLocaleString('en')} payments)`);
  await truncatePayments(db.sql);
  const ids = await seedPayments(db.sql, ctx.clientId, settings.getPayments, 5000);
  const paths = ids.map((id) => `/payments/${id}`);

  const gateway = await startGatewayMockProcess({ delaySeconds: 3600 });
  const on = await startApiProcess({ databaseUrl: db.url, gatewayUrl: gateway.url, profile: settings.profile });
  const off = await startApiProcess({
    databaseUrl: db.url,
    gatewayUrl: gateway.url,
    profile: settings.profile,
    env: { METRICS_ENABLED: 'false' },
  });
  const scraper = setInterval(() => {
    fetch(`${on.url}/metrics`)
      .then((answer) => answer.text())
      .catch(() => {});
  }, SCRAPE_EVERY_MS);
  try {
    const result = await loadSideBySide(
      ctx,
      { ours: on, floor: off },
      { method: 'GET', paths, headers: { authorization: `Bearer ${ctx.apiKey}` } },
      'GET metrics on/off',
    );
    const { summary } = result;
    return {
      rows: loadRows('1b GET, metrics on (floor: off)', summary, GOAL),
      details: { payments: settings.getPayments, connections: settings.connections, scrapeEveryMs: SCRAPE_EVERY_MS, ...result },
    };
  } finally {
    clearInterval(scraper);
    await Promise.all([on.stop(), off.stop()]);
    await gateway.stop();
  }
}
