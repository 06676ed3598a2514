import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../../../scripts/bundle.js';
import { clearFaults, POST_PAYMENT_SENDER, postPayment, uniqueMemo, waitForStatus } from './delivery-helpers.js';
import { eventually, type RunningSyncer, type System, startSystem } from './harness.js';
import { type Family, scrape, seriesValue } from './prometheus-text.js';
import { type Receiver, startReceiver } from './webhook-receiver.js';

/**
 * GET /metrics of the API and of the syncer after real traffic (payments sent, one re-sent,
 * syncs, webhooks delivered), parsed by a Prometheus text-format parser; and the example alert
 * rules, every metric they name checked against what the two really expose.
 */

const WEBHOOK_ENV = {
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8,::1/128',
  WEBHOOK_INTERVAL_MS: '50',
  WEBHOOK_BASE_MS: '20',
  WEBHOOK_CAP_MS: '200',
};
/** Label names that would identify a client, a key, an endpoint or a payment: never on /metrics. */
const IDENTIFYING_LABELS = ['client', 'client_id', 'api_key', 'key', 'endpoint', 'endpoint_id', 'url', 'id', 'payment_id'];

describe('GET /metrics after real traffic', () => {
  let system: System;
  let syncer: RunningSyncer;
  let receiver: Receiver;
  let api: Map<string, Family>;
  let daemon: Map<string, Family>;
  /** Identifiers the traffic used: none may appear in any label value. */
  const identifiers: string[] = [];
  let sentId = '';

  beforeAll(async () => {
    // Every submission refused (429) at first, so the first payment is queued and the syncer re-sends it.
    system = await startSystem({
      delaySeconds: 0.3,
      startSyncer: false,
      faults: { submit: [{ kind: 'rate_limit', retry_after_s: 0 }] },
      env: WEBHOOK_ENV,
    });
    receiver = await startReceiver();
    const acmeKey = await system.createClient('acme', false, { accounts: [POST_PAYMENT_SENDER] });
    // postPayment (shared by the delivery tests) and the unknown route go as raw HTTP
    const client = system.as(acmeKey);
    const acme = system.client(acmeKey);
    const endpoint = await acme.POST('/webhook-endpoints', { body: { url: receiver.url, event_types: ['payment.settled'] } });
    expect(endpoint.response.status, JSON.stringify(endpoint.error)).toBe(201);
    const queued = await postPayment(client, uniqueMemo('queued'), 1);
    expect(queued.status).toBe(202);
    await clearFaults(system);
    syncer = await system.startSyncer({ SYNCER_METRICS_PORT: String(await freePort()) });
    const sent = await postPayment(client, uniqueMemo('inline'), 2);
    expect(sent.status).toBe(201);
    sentId = sent.body.id;
    for (const id of [queued.body.id, sent.body.id]) await waitForStatus(system, id, ['settled']);
    expect((await acme.GET('/payments/{id}', { params: { path: { id: sent.body.id } } })).response.status).toBe(200);
    expect((await client.get('/no-such-route')).status).toBe(404);
    await eventually(async () => (receiver.accepted().length >= 2 ? true : undefined), { what: 'both webhooks' });
    const [row] = await system.sql`SELECT id FROM api_clients WHERE name = 'acme'`;
    identifiers.push(queued.body.id, sent.body.id, String(sent.body.confirmation_id), String(endpoint.data?.id), String(row?.id));

    // Counters move when a job ends: scrape once the syncer has counted (and recorded) both webhooks.
    daemon = await eventually(async () => {
      const { families } = await scrape(`http://127.0.0.1:${syncer.syncer.metricsPort()}/metrics`);
      return seriesValue(families, 'payment_tracker_webhook_attempts_total', { result: 'delivered' }) >= 2 ? families : undefined;
    });
    api = (await scrape(`${system.apiUrl}/metrics`)).families;
  });
  afterAll(async () => {
    await system?.stop();
    await receiver?.close();
  });

  it("the API's: answers without a key, in Prometheus text", async () => {
    const answer = await scrape(`${system.apiUrl}/metrics`);
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it("the API's: requests by method, route pattern and status code, never the raw URL", () => {
    const requests = api.get('http_request_duration_seconds');
    expect(requests?.type).toBe('HISTOGRAM');
    expect(seriesValue(api, 'http_request_duration_seconds', { method: 'POST', route: '/payments', status_code: '202' })).toBe(1);
    expect(seriesValue(api, 'http_request_duration_seconds', { method: 'POST', route: '/payments', status_code: '201' })).toBe(1);
    expect(seriesValue(api, 'http_request_duration_seconds', { method: 'GET', route: '/payments/:id', status_code: '200' })).toBe(
      1,
    );
    expect(seriesValue(api, 'http_request_duration_seconds', { route: 'unmatched', status_code: '404' })).toBe(1);
    const routes = new Set(api.get('http_request_duration_seconds_count')?.metrics.map((sample) => sample.labels?.route));
    expect([...routes].filter((route) => !route?.startsWith('/') && route !== 'unmatched')).toEqual([]);
    expect([...routes].filter((route) => route?.includes(sentId))).toEqual([]);
    expect(seriesValue(api, 'http_request_duration_seconds_sum', { route: '/payments', status_code: '201' })).toBeGreaterThan(0);
    const buckets = api
      .get('http_request_duration_seconds_bucket')
      ?.metrics.filter((sample) => sample.labels?.route === '/payments' && sample.labels.status_code === '201');
    expect(buckets?.map((sample) => sample.labels?.le)).toEqual(['0.005', '0.025', '0.1', '0.5', '2.5', '+Inf']);
    expect(Number(buckets?.at(-1)?.value)).toBe(1);
  });

  it("the API's: open payments by status, the oldest ones' ages, sync lag, clock offset, webhooks, Node", () => {
    for (const status of ['received', 'pending', 'unconfirmed'])
      expect(seriesValue(api, 'payment_tracker_open_payments', { status })).toBe(0);
    // Nothing pending or unconfirmed any more: no age.
    expect(seriesValue(api, 'payment_tracker_oldest_pending_payment_age_seconds')).toBe(0);
    expect(seriesValue(api, 'payment_tracker_oldest_unconfirmed_payment_age_seconds')).toBe(0);
    const lag = seriesValue(api, 'payment_tracker_sync_lag_seconds');
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(60);
    expect(seriesValue(api, 'payment_tracker_gateway_clock_offset_low_ms')).toBeLessThanOrEqual(
      seriesValue(api, 'payment_tracker_gateway_clock_offset_high_ms'),
    );
    expect(seriesValue(api, 'payment_tracker_gateway_careful_mode')).toBe(0);
    expect(seriesValue(api, 'payment_tracker_webhook_backlog')).toBe(0);
    expect(seriesValue(api, 'payment_tracker_webhook_endpoints_disabled')).toBe(0);
    expect(seriesValue(api, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(seriesValue(api, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it("the syncer's: cycles, the list's size, changes applied, re-submissions by outcome, webhooks, Node", () => {
    expect(seriesValue(daemon, 'payment_tracker_sync_cycle_duration_seconds')).toBeGreaterThanOrEqual(1);
    expect(seriesValue(daemon, 'payment_tracker_sync_gateway_list_entries')).toBe(2);
    expect(seriesValue(daemon, 'payment_tracker_sync_changes_applied_total')).toBeGreaterThanOrEqual(2);
    const lastSync = seriesValue(daemon, 'payment_tracker_sync_last_complete_timestamp_seconds');
    expect(Date.now() / 1000 - lastSync).toBeGreaterThanOrEqual(0);
    expect(Date.now() / 1000 - lastSync).toBeLessThan(60);
    expect(seriesValue(daemon, 'payment_tracker_sync_leader')).toBe(1);
    expect(seriesValue(daemon, 'payment_tracker_resubmissions_total', { outcome: 'pending' })).toBe(1);
    expect(seriesValue(daemon, 'payment_tracker_sync_gateway_clock_offset_ms', { bound: 'low' })).toBeLessThanOrEqual(
      seriesValue(daemon, 'payment_tracker_sync_gateway_clock_offset_ms', { bound: 'high' }),
    );
    expect(seriesValue(daemon, 'payment_tracker_webhook_attempts_total', { result: 'delivered' })).toBe(2);
    expect(seriesValue(daemon, 'payment_tracker_webhook_attempts_total', { result: 'failed' })).toBe(0);
    expect(seriesValue(daemon, 'payment_tracker_syncer_job_failures_total', { job: 'reconcile' })).toBeNaN();
    expect(seriesValue(daemon, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('no label names or carries a client, key, endpoint or payment', () => {
    for (const families of [api, daemon])
      for (const family of families.values())
        for (const sample of family.metrics) {
          const labels = sample.labels ?? {};
          expect(
            Object.keys(labels).filter((name) => IDENTIFYING_LABELS.includes(name)),
            family.name,
          ).toEqual([]);
          for (const value of Object.values(labels))
            expect(
              identifiers.some((id) => value.includes(id)),
              `${family.name} ${value}`,
            ).toBe(false);
        }
  });

  it('deploy/prometheus/alerts.yml: each rule complete, and every metric it names exposed by the API or the syncer', () => {
    const file = parse(readFileSync(path.join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as AlertFile;
    const rules = file.groups.flatMap((group) => group.rules);
    expect(rules.map((rule) => rule.alert)).toEqual(expect.arrayContaining(ALERTS_THE_README_EXPLAINS));
    const exposed = new Set([...api.keys(), ...daemon.keys()]);
    for (const rule of rules) {
      expect(rule.labels.severity, rule.alert).toMatch(/^(page|warn|info)$/);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      expect(rule.annotations.description, rule.alert).toBeTruthy();
      const named = metricNames(rule.expr);
      expect(named.length, rule.alert).toBeGreaterThan(0);
      expect(
        named.filter((name) => !exposed.has(name)),
        rule.alert,
      ).toEqual([]);
    }
  });
});

describe('METRICS_ENABLED=false', () => {
  let system: System;
  beforeAll(async () => {
    system = await startSystem({ startSyncer: false, env: { METRICS_ENABLED: 'false' } });
  });
  afterAll(() => system?.stop());

  it('serves no GET /metrics (404), and /admin/metrics still answers its admins', async () => {
    expect((await scrape(`${system.apiUrl}/metrics`)).status).toBe(404);
    const admin = system.client(await system.createClient('ops', true));
    const answer = await admin.GET('/admin/metrics', { parseAs: 'text' });
    expect(answer.response.status).toBe(200);
    expect(answer.data).toMatch(/^payment_tracker_gateway_careful_mode 0$/m);
  });
});

interface AlertFile {
  groups: Array<{ name: string; rules: AlertRule[] }>;
}
interface AlertRule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

const ALERTS_THE_README_EXPLAINS = [
  'SyncStale',
  'CarefulMode',
  'GatewayClockAlarm',
  'UnconfirmedPaymentsGrowing',
  'DoubleSendAlarm',
  'WebhookBacklogGrowing',
  'WebhookEndpointDisabled',
  'ApiErrorRate',
];

/** The metric families a PromQL expression names (a histogram's _count, _sum, _bucket: its family). */
function metricNames(expr: string): string[] {
  const names = expr.match(/\b(?:payment_tracker|http_request|process|nodejs)_[a-z_]+\b/g) ?? [];
  return [...new Set(names.map((name) => name.replace(/_(count|sum|bucket)$/, '')))];
}
