import { writeFileSync } from 'node:fs';
import { createApiClientsRepository, createDb, freePort, type PaymentResponse } from '@pt/core';
import { createTestDatabase, type TestDatabase } from '@pt/core/testing';
import { type FaultConfig, type RunningGatewayMock, startGatewayMock } from '@pt/gateway-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, eventually } from './harness.js';
import { type AppProcess, spawnApp } from './processes.js';

const PAYMENTS = Number(process.env.CHAOS_PAYMENTS ?? 300);
const CONCURRENCY = 4;

/** Every fault the mock knows, each at a modest probability, so most requests still get through. */
const CHAOS: FaultConfig = {
  seed: 7,
  submit: [
    { kind: 'latency', latency_ms: 30, probability: 0.1 },
    { kind: 'error', status_code: 500, probability: 0.04 },
    { kind: 'error', status_code: 502, probability: 0.03 },
    { kind: 'error', status_code: 503, probability: 0.05 },
    { kind: 'error', status_code: 504, probability: 0.03 },
    { kind: 'rate_limit', retry_after_s: 1, probability: 0.04 },
    { kind: 'hang', probability: 0.02 },
    { kind: 'reset', probability: 0.03 },
    { kind: 'malformed', probability: 0.03 },
    { kind: 'accept_then_error', status_code: 500, probability: 0.03 },
    { kind: 'accept_then_reset', probability: 0.03 },
    { kind: 'accept_then_hang', probability: 0.02 },
  ],
  status: [
    { kind: 'error', status_code: 500, probability: 0.1 },
    { kind: 'truncated', probability: 0.1 },
    { kind: 'reset', probability: 0.05 },
    { kind: 'latency', latency_ms: 100, probability: 0.1 },
  ],
};

type Recorded = { memo: string | null; confirmation_id: string; status: string };
type Report = { unconfirmed: Array<{ id: string; reason: string | null }> };

/**
 * Hundreds of payments through real api and syncer processes while the gateway misbehaves in
 * every way it can and both processes are SIGKILLed mid-flight and restarted. Then the faults
 * stop and the system settles; nothing may be lost or doubled.
 */
describe('chaos: faults everywhere, processes killed, nothing lost or doubled', () => {
  let database: TestDatabase;
  let mock: RunningGatewayMock;
  let env: Record<string, string>;
  let apiUrl: string;
  let api: AppProcess;
  const syncers: AppProcess[] = [];
  let clientKey: string;
  let adminKey: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    mock = await startGatewayMock({ delaySeconds: 0.3, faults: CHAOS });
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    env = {
      DATABASE_URL: database.url,
      GATEWAY_URL: mock.url,
      API_PORT: String(port),
      SYNC_INTERVAL_MS: '200',
      GATEWAY_SUBMIT_TIMEOUT_MS: '500',
      GATEWAY_STATUS_TIMEOUT_MS: '2000',
      ATTEMPT_LEASE_MS: '2000',
      RESUBMIT_BASE_MS: '50',
      RESUBMIT_CAP_MS: '500',
      RESUBMIT_MAX_ATTEMPTS: '30',
      GATEWAY_CLOCK_SKEW_MS: '20', // one machine: the clocks are the same clock
      RATE_LIMIT_MAX: '0',
      AUTH_CACHE_TTL_MS: '0',
    };
    const { db, close } = createDb(database.url, { max: 1 });
    const clients = createApiClientsRepository(db);
    clientKey = (await clients.create('chaos')).apiKey;
    adminKey = (await clients.create('ops', { isAdmin: true })).apiKey;
    await close();
    api = await spawnApp('api', env, `${apiUrl}/healthz`);
    syncers.push(await spawnApp('syncer', env), await spawnApp('syncer', env));
  }, 120_000);

  afterAll(async () => {
    await api?.kill();
    await Promise.all(syncers.map((s) => s.kill()));
    await mock?.close();
    await database?.drop();
  });

  it('acknowledged payments all exist once here and at most once at the gateway, and settle', { timeout: 240_000 }, async () => {
    const client = createHttpClient(apiUrl, clientKey);
    const acknowledged = new Map<string, string>(); // memo → payment id
    let clientRetries = 0;
    let next = 0;

    /** A client that retries with its Idempotency-Key until the API acknowledges (201/202). */
    async function submit(index: number): Promise<void> {
      const memo = `chaos-${index}`;
      const body = {
        sender_account: '10000001',
        receiver_account: `2000000${index % 10}`,
        amount: `${(index % 97) + 1}.25`,
        memo,
      };
      for (let attempt = 0; attempt < 200; attempt++) {
        try {
          const answer = await client.post<PaymentResponse>('/payments', body, { 'idempotency-key': `key-${index}` });
          if (answer.status === 201 || answer.status === 202) {
            acknowledged.set(memo, answer.body.id);
            return;
          }
          expect([409, 429, 503]).toContain(answer.status);
        } catch {
          // the API process was killed under us: retry like any client would
        }
        clientRetries++;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`payment ${index} was never acknowledged`);
    }

    const workers = Array.from({ length: CONCURRENCY }, async () => {
      while (next < PAYMENTS) {
        const index = next++;
        if (index === Math.floor(PAYMENTS / 3)) {
          // SIGKILL a syncer mid-cycle and start a new one.
          await syncers.shift()?.kill();
          syncers.push(await spawnApp('syncer', env));
        }
        if (index === Math.floor((2 * PAYMENTS) / 3)) {
          // SIGKILL the API mid-request (others are in flight) and start it again.
          await api.kill();
          api = await spawnApp('api', env, `${apiUrl}/healthz`);
        }
        await submit(index);
      }
    });
    await Promise.all(workers);
    expect(acknowledged.size).toBe(PAYMENTS);

    // Faults stop; the system settles.
    await fetch(`${mock.url}/__mock/faults`, { method: 'DELETE' });
    const stats = (await (await fetch(`${mock.url}/__mock/stats`)).json()) as Record<string, unknown>;
    const admin = createHttpClient(apiUrl, adminKey);
    const sql = createDb(database.url, { max: 1 });
    try {
      await eventually(
        async () => {
          const [row] = await sql.sql`SELECT count(*)::int AS open FROM payments WHERE status IN ('received', 'pending')`;
          return row?.open === 0 ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500, what: 'every payment to leave received/pending' },
      );

      const ours = await sql.sql`SELECT id, memo, status, confirmation_id FROM payments`;
      const recorded = (await (await fetch(`${mock.url}/__mock/payments`)).json()) as Recorded[];
      const report = (await admin.get<Report>('/admin/reconciliation')).body;

      // Nothing lost: every acknowledged payment is stored, exactly once.
      const memoCount = new Map<string, number>();
      for (const row of ours) memoCount.set(row.memo as string, (memoCount.get(row.memo as string) ?? 0) + 1);
      for (const [memo, id] of acknowledged) {
        expect(memoCount.get(memo), memo).toBe(1);
        expect(ours.some((row) => row.id === id)).toBe(true);
      }
      expect(ours.length).toBe(PAYMENTS);

      // Nothing doubled: no memo reached the gateway twice.
      const atGateway = new Map<string, number>();
      for (const entry of recorded) atGateway.set(entry.memo ?? '', (atGateway.get(entry.memo ?? '') ?? 0) + 1);
      const doubled = [...atGateway.entries()].filter(([, count]) => count > 1);
      expect(doubled).toEqual([]);

      // Everything ends terminal, or is in the operator view with a reason.
      const unconfirmedListed = new Set(report.unconfirmed.map((u) => u.id));
      for (const row of ours) {
        if (row.status === 'unconfirmed') {
          expect(unconfirmedListed.has(row.id as string), `${row.id} listed for an operator`).toBe(true);
          expect(report.unconfirmed.find((u) => u.id === row.id)?.reason).toBeTruthy();
        } else {
          expect(['settled', 'returned', 'failed', 'rejected']).toContain(row.status);
        }
      }

      // Statuses match the gateway's for every payment linked to a gateway entry.
      const byConfirmation = new Map(recorded.map((entry) => [entry.confirmation_id, entry]));
      for (const row of ours.filter((r) => r.confirmation_id)) {
        expect(row.status, `${row.id}`).toBe(byConfirmation.get(row.confirmation_id as string)?.status);
      }

      const figures = {
        payments: PAYMENTS,
        acknowledged: acknowledged.size,
        client_retries: clientRetries,
        gateway_records: recorded.length,
        faults_injected: stats.faults_injected ?? stats,
        lost: PAYMENTS - ours.length,
        doubled: doubled.length,
        left_for_operator: report.unconfirmed.length,
        by_status: Object.fromEntries(
          ['settled', 'returned', 'failed', 'rejected', 'unconfirmed'].map((s) => [s, ours.filter((r) => r.status === s).length]),
        ),
      };
      const windows = await sql.sql`
        SELECT id, extract(epoch FROM unconfirmed_until - unconfirmed_from) * 1000 AS ms, last_error FROM payments WHERE status = 'unconfirmed'`;
      const known = new Set(ours.map((row) => row.confirmation_id).filter(Boolean));
      Object.assign(figures, {
        unconfirmed_detail: windows.map((w) => ({ ms: Math.round(Number(w.ms)), error: w.last_error })),
        orphans_at_end: recorded.filter((entry) => !known.has(entry.confirmation_id)).length,
      });
      writeFileSync(process.env.CHAOS_REPORT ?? '/tmp/chaos-report.json', `${JSON.stringify(figures, null, 2)}\n`);
    } finally {
      await sql.close();
    }
  });
});
