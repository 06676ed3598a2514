import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { buildApp, createApiDeps, loadApiConfig } from '@pt/api';
import { createLogger, createSql, type PaymentResponse, parseGatewayTime, runMigrations, type SqlClient } from '@pt/core';
import { createEmptyDatabase, createLogCapture, migrateUpTo, migrationTags, type TestDatabase } from '@pt/core/testing';
import { type RunningGatewayMock, startGatewayMock } from '@pt/gateway-mock';
import { createSyncer, createSyncerDeps, loadSyncerConfig, type Syncer, type SyncerDeps } from '@pt/syncer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, eventually } from './harness.js';

/**
 * Issue 10, Proof: payments the previous version left `unconfirmed` or in flight are judged
 * under the new rules once migration 0001 has run. The database is built as that version left
 * it (migration 0000 only, rows written the way its code wrote them, requests really recorded
 * at the gateway-mock), then today's migrations, API and syncer run on it, configured as the
 * harness configures them.
 *
 * The backfill gives the syncer clock samples from history, so each window has one on its near
 * side (an accepted submit answered before its attempt began). An unknown outcome is judged only
 * once a sample on its far side (a submit sent after its window closed) confirms the gateway's
 * clock did not step meanwhile; history cannot hold one. So the upgraded payments wait until the
 * new version's first accepted payment, as they would in production, and only then are judged.
 */

/** The harness's settings (tests/e2e/src/harness.ts), as strings, as a process gets them. */
const HARNESS_ENV = {
  SYNC_INTERVAL_MS: '100',
  RESUBMIT_BASE_MS: '50',
  RESUBMIT_CAP_MS: '200',
  GATEWAY_SUBMIT_TIMEOUT_MS: '1000',
  AUTH_CACHE_TTL_MS: '0',
  RATE_LIMIT_MAX: '0',
  GATEWAY_CLOCK_SKEW_MS: '200',
  GATEWAY_MAX_RECORDING_DELAY_MS: '300',
  CAREFUL_ENTER_AFTER: '1000',
  SYNCER_METRICS_PORT: '0',
};
/**
 * How far apart two real submissions are made so that neither lands in the other's window:
 * a window reaches GATEWAY_CLOCK_SKEW_MS before its start and GATEWAY_MAX_RECORDING_DELAY_MS +
 * GATEWAY_CLOCK_SKEW_MS past its end (plus the clock sample's own width, a few ms here).
 */
const WINDOWS_APART_MS = 2_000;
/**
 * How long past an unknown outcome's end (our clock) a submission must start to be the sample
 * on its window's far side: GATEWAY_MAX_RECORDING_DELAY_MS (the window's end in our clock) plus
 * a clock margin to spare.
 */
const WINDOW_END_AFTER_MS = Number(HARNESS_ENV.GATEWAY_MAX_RECORDING_DELAY_MS) + Number(HARNESS_ENV.GATEWAY_CLOCK_SKEW_MS);

interface MockEntry {
  confirmation_id: string;
  memo: string | null;
  created_at: string;
}

interface EventRow {
  from_status: string | null;
  to_status: string;
  source: string;
  reason: string | null;
  at: Date;
}

describe('payments left by the previous version, after migration 0001', () => {
  let database: TestDatabase;
  let mock: RunningGatewayMock;
  let sql: SqlClient;
  let closeSql: (() => Promise<void>) | undefined;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  let closeApi: (() => Promise<void>) | undefined;
  let syncer: Syncer | undefined;
  let syncerDeps: SyncerDeps | undefined;
  const logs = createLogCapture();
  const clientName = `acme-${process.pid}`;
  const memos = {
    accepted: `upgrade accepted ${process.pid}`,
    recorded: `upgrade unconfirmed recorded ${process.pid}`,
    unrecorded: `upgrade unconfirmed never recorded ${process.pid}`,
    inFlight: `upgrade in flight ${process.pid}`,
    confirmation: `upgrade first new payment ${process.pid}`,
  };
  const ids = { accepted: randomUUID(), recorded: randomUUID(), unrecorded: randomUUID(), inFlight: randomUUID() };
  let apiKey: string;
  let clientId: string;
  let adminKey: string;
  /** What the gateway recorded while the previous version ran. */
  const entries = {} as Record<'accepted' | 'recorded' | 'inFlight', { confirmation_id: string; created_at: string }>;
  let submitsBeforeUpgrade: number;
  let migrationsBefore: Array<{ id: number; hash: string; created_at: string }>;

  const mockJson = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${mock.url}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}`);
    return (await response.json()) as T;
  };
  const submitsReceived = async () => (await mockJson<{ submits_received: number }>('GET', '/__mock/stats')).submits_received;
  const recordedWithMemo = async (memo: string) =>
    (await mockJson<MockEntry[]>('GET', '/__mock/payments')).filter((entry) => entry.memo === memo);
  const clock = async (): Promise<Date> => {
    const [row] = await sql<{ now: Date }[]>`SELECT clock_timestamp() AS now`;
    return (row as { now: Date }).now;
  };
  /** Waits until the database's clock reads past `ms` (epoch ms). */
  const clockPast = async (ms: number) => {
    while ((await clock()).getTime() <= ms) await new Promise((resolve) => setTimeout(resolve, 50));
  };
  /** A request of the previous version reaching the gateway, between two readings of the database's clock. */
  const submit = async (memo: string) => {
    const before = await clock();
    const entry = await mockJson<{ confirmation_id: string; created_at: string }>('POST', '/submit', {
      sender_account: '11112222',
      receiver_account: '44445551',
      amount: 12.34,
      memo,
    });
    return { entry, before, after: await clock() };
  };
  const appliedMigrations = () =>
    sql<{ id: number; hash: string; created_at: string }[]>`
      SELECT id, hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id`;
  const stored = async (id: string) => {
    const [row] = await sql<{ status: string; confirmation_id: string | null; attempts: number }[]>`
      SELECT status, confirmation_id, attempts FROM payments WHERE id = ${id}`;
    if (!row) throw new Error(`no payment ${id}`);
    return row;
  };
  const events = (id: string) =>
    sql<EventRow[]>`SELECT from_status, to_status, source, reason, at FROM payment_events WHERE payment_id = ${id} ORDER BY id`;
  /** The reasons of the syncer's 'unconfirmed payment waits' decisions about a payment, in order. */
  const waitReasons = (id: string) =>
    logs.lines
      .map((line) => JSON.parse(line) as { msg: string; paymentId?: string; reason?: string })
      .filter((line) => line.msg === 'unconfirmed payment waits' && line.paymentId === id)
      .map((line) => line.reason);
  /** Waits for a sync cycle that started some cycles after now. */
  const moreCycles = async () => {
    const since = Date.now();
    await eventually(
      async () => {
        const [row] = await sql<{ last_synced_at: Date | null }[]>`SELECT last_synced_at FROM sync_state WHERE name = 'gateway'`;
        return row?.last_synced_at && row.last_synced_at.getTime() > since + 300 ? true : undefined;
      },
      { what: 'three more sync cycles' },
    );
  };
  const waitForConfirmation = (id: string) =>
    eventually(
      async () => {
        const row = await stored(id);
        return row.confirmation_id !== null ? row : undefined;
      },
      { timeoutMs: 20_000, what: `payment ${id} to be linked` },
    );

  /** An API client with a key, written as the previous version wrote it (only the key's hash is kept). */
  async function insertClient(name: string, isAdmin: boolean): Promise<{ id: string; key: string }> {
    const id = randomUUID();
    const keyId = randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12);
    const secret = randomBytes(32).toString('base64url');
    await sql`INSERT INTO api_clients (id, name, is_admin) VALUES (${id}, ${name}, ${isAdmin})`;
    await sql`INSERT INTO api_keys (key_id, client_id, secret_hash)
              VALUES (${keyId}, ${id}, ${createHash('sha256').update(secret).digest('hex')})`;
    return { id, key: `pt_${keyId}_${secret}` };
  }

  beforeAll(async () => {
    database = await createEmptyDatabase();
    mock = await startGatewayMock({ delaySeconds: 0.5 });
    ({ sql, close: closeSql } = createSql(database.url, { max: 2 }));

    // The previous release: migration 0000 only.
    expect(await migrateUpTo(database.url, '0000_init')).toEqual(['0000_init']);
    const [attemptsTable] = await sql`SELECT to_regclass('payment_attempts') AS t`;
    expect(attemptsTable?.t).toBeNull();

    const client = await insertClient(clientName, false);
    clientId = client.id;
    apiKey = client.key;
    adminKey = (await insertClient(`ops-${process.pid}`, true)).key;
    const common = { client_id: client.id, amount: '12.34', sender_account: '11112222', receiver_account: '44445551' };

    // An accepted payment: inserted `received` with its attempt open, sent inline, then `pending`
    // with the gateway's confirmation_id and created_at.
    const accepted = await submit(memos.accepted);
    entries.accepted = accepted.entry;
    await sql`INSERT INTO payments ${sql({
      ...common,
      id: ids.accepted,
      status: 'pending',
      memo: memos.accepted,
      confirmation_id: accepted.entry.confirmation_id,
      attempts: 1,
      gateway_created_at: parseGatewayTime(accepted.entry.created_at),
      gateway_updated_at: parseGatewayTime(accepted.entry.created_at),
      created_at: accepted.before,
      submitted_at: accepted.after,
      updated_at: accepted.after,
    })}`;
    await sql`INSERT INTO payment_events (payment_id, from_status, to_status, source, at) VALUES
      (${ids.accepted}, NULL, 'received', 'api', ${accepted.before}),
      (${ids.accepted}, 'received', 'pending', 'api', ${accepted.after})`;

    // Unconfirmed and never recorded: the previous version gave up on it (a reset after sending),
    // yet the gateway holds nothing in its window. Its attempt began after the accepted one was
    // answered, so the backfilled sample lies on its window's near side; the real submissions
    // around it are made well clear of its window.
    await clockPast(accepted.after.getTime() + WINDOWS_APART_MS);
    const unrecorded = { before: await clock() };
    await new Promise((resolve) => setTimeout(resolve, 200));
    const gaveUp = await clock();
    await sql`INSERT INTO payments ${sql({
      ...common,
      id: ids.unrecorded,
      status: 'unconfirmed',
      memo: memos.unrecorded,
      attempts: 1,
      unconfirmed_from: unrecorded.before,
      unconfirmed_until: gaveUp,
      last_error: 'connection reset after the request was sent',
      created_at: unrecorded.before,
      updated_at: gaveUp,
    })}`;
    await sql`INSERT INTO payment_events (payment_id, from_status, to_status, source, reason, at) VALUES
      (${ids.unrecorded}, NULL, 'received', 'api', NULL, ${unrecorded.before}),
      (${ids.unrecorded}, 'received', 'unconfirmed', 'api', 'connection reset after the request was sent', ${gaveUp})`;

    // Unconfirmed, and recorded by the gateway: the answer was lost (a timeout), the window runs
    // from the attempt's start to when the previous version gave up on it.
    await clockPast(gaveUp.getTime() + WINDOWS_APART_MS);
    const recorded = await submit(memos.recorded);
    entries.recorded = recorded.entry;
    await sql`INSERT INTO payments ${sql({
      ...common,
      id: ids.recorded,
      status: 'unconfirmed',
      memo: memos.recorded,
      attempts: 1,
      unconfirmed_from: recorded.before,
      unconfirmed_until: recorded.after,
      last_error: 'gateway did not answer within 1000 ms',
      created_at: recorded.before,
      updated_at: recorded.after,
    })}`;
    await sql`INSERT INTO payment_events (payment_id, from_status, to_status, source, reason, at) VALUES
      (${ids.recorded}, NULL, 'received', 'api', NULL, ${recorded.before}),
      (${ids.recorded}, 'received', 'unconfirmed', 'api', 'gateway did not answer within 1000 ms', ${recorded.after})`;

    // In flight: the process died after the gateway recorded the request and before it wrote the
    // answer. Its lease (next_attempt_at) ran out before the upgrade. Sent well clear of the
    // recorded one's window, so each window holds one entry.
    await clockPast(recorded.after.getTime() + WINDOWS_APART_MS);
    const inFlight = await submit(memos.inFlight);
    entries.inFlight = inFlight.entry;
    await sql`INSERT INTO payments ${sql({
      ...common,
      id: ids.inFlight,
      status: 'received',
      memo: memos.inFlight,
      attempts: 1,
      attempt_started_at: inFlight.before,
      next_attempt_at: inFlight.after,
      created_at: inFlight.before,
      updated_at: inFlight.before,
    })}`;
    await sql`INSERT INTO payment_events (payment_id, from_status, to_status, source, at)
              VALUES (${ids.inFlight}, NULL, 'received', 'api', ${inFlight.before})`;
    // The previous syncer's state row (today's migration must keep it).
    await sql`INSERT INTO sync_state (name, last_synced_at, last_entries) VALUES ('gateway', now(), 2)`;

    submitsBeforeUpgrade = await submitsReceived();
    expect(submitsBeforeUpgrade).toBe(3);

    // The upgrade: today's migrations, on the database the previous release left.
    migrationsBefore = await appliedMigrations();
    await runMigrations(database.url);
  });

  afterAll(async () => {
    await syncer?.stop();
    await syncerDeps?.close();
    await app?.close();
    await closeApi?.();
    await closeSql?.();
    await mock?.close();
    await database?.drop();
  });

  it('applies every later migration once on top of 0000, and backfills what the new rules read', async () => {
    const applied = await appliedMigrations();
    // 0000 kept as it was (re-running it would have failed on its CREATE TABLEs), the others added.
    expect(migrationsBefore).toHaveLength(1);
    expect(applied).toHaveLength((await migrationTags()).length);
    expect(applied[0]).toEqual(migrationsBefore[0]);
    for (const later of applied.slice(1)) {
      expect(Number(later.created_at)).toBeGreaterThan(Number(migrationsBefore[0]?.created_at));
    }
    // 0002: the client keeps sending from the account it already sent from.
    expect(await sql`SELECT account, client_id, created_by FROM client_accounts`).toEqual([
      { account: '11112222', client_id: clientId, created_by: 'migration' },
    ]);
    // Running them again changes nothing.
    await runMigrations(database.url);
    expect(await appliedMigrations()).toEqual(applied);

    const attempts = await sql<
      {
        payment_id: string;
        attempt: number;
        started_at: Date;
        lease_until: Date;
        ended_at: Date | null;
        outcome: string | null;
        confirmation_id: string | null;
        gateway_created_at: Date | null;
      }[]
    >`SELECT payment_id, attempt, started_at, lease_until, ended_at, outcome, confirmation_id, gateway_created_at
      FROM payment_attempts`;
    const of = (id: string) => attempts.filter((a) => a.payment_id === id);
    // The accepted submit is a clock sample: our clock around it, the gateway's created_at inside.
    expect(of(ids.accepted)).toEqual([
      expect.objectContaining({
        attempt: 1,
        outcome: 'accepted',
        confirmation_id: entries.accepted.confirmation_id,
        gateway_created_at: parseGatewayTime(entries.accepted.created_at),
      }),
    ]);
    expect(of(ids.recorded)).toEqual([expect.objectContaining({ attempt: 1, outcome: 'ambiguous' })]);
    expect(of(ids.unrecorded)).toEqual([expect.objectContaining({ attempt: 1, outcome: 'ambiguous' })]);
    // The open attempt, with the lease it had.
    expect(of(ids.inFlight)).toEqual([expect.objectContaining({ attempt: 1, outcome: null, ended_at: null })]);
    const [state] = await sql`SELECT last_entries FROM sync_state WHERE name = 'gateway'`;
    expect(state?.last_entries).toBe(2);
  });

  it('judges them under the new rules: links what the gateway recorded, re-sends only what it never did', async () => {
    const env = { DATABASE_URL: database.url, GATEWAY_URL: mock.url, ...HARNESS_ENV };
    const logger = createLogger({ name: 'test', level: 'debug', destination: logs.stream });
    const apiDeps = createApiDeps(loadApiConfig(env), logger.child({ name: 'api' }));
    closeApi = () => apiDeps.close();
    app = await buildApp(apiDeps);
    const apiUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    const client = createHttpClient(apiUrl, apiKey);
    // The previous version's key still works, and its payments read as it left them.
    expect((await client.get<PaymentResponse>(`/payments/${ids.recorded}`)).body.status).toBe('unconfirmed');
    expect((await client.get<PaymentResponse>(`/payments/${ids.inFlight}`)).body.status).toBe('received');

    syncerDeps = createSyncerDeps(loadSyncerConfig(env), logger.child({ name: 'syncer' }));
    syncer = createSyncer(syncerDeps);
    await syncer.start();

    // Before any new submission, nothing is judged: the in-flight one (its lease long gone)
    // becomes unconfirmed, and all three wait for a sample after their windows (the backfill
    // holds samples before them only), neither linked, re-queued nor sent again.
    const upgraded = [ids.recorded, ids.unrecorded, ids.inFlight];
    await eventually(async () => (upgraded.every((id) => waitReasons(id).length > 0) ? true : undefined), {
      timeoutMs: 20_000,
      what: 'the upgraded payments to wait for the gateway clock to be confirmed',
    });
    await moreCycles();
    for (const id of upgraded) {
      expect(waitReasons(id), `${id} waits`).toEqual(['clock_unknown']);
      expect(await stored(id), `${id} waits`).toMatchObject({ status: 'unconfirmed', confirmation_id: null, attempts: 1 });
      expect(
        (await events(id)).filter((e) => e.from_status === 'unconfirmed'),
        `${id}: not linked or re-queued`,
      ).toEqual([]);
    }
    expect((await events(ids.inFlight)).map((e) => [e.from_status, e.to_status])).toEqual([
      [null, 'received'],
      ['received', 'unconfirmed'],
    ]);
    expect((await events(ids.inFlight))[1]?.reason).toMatch(/interrupted/);
    expect(await submitsReceived()).toBe(submitsBeforeUpgrade);
    expect(await recordedWithMemo(memos.unrecorded)).toEqual([]);

    // The new version's first accepted payment, sent after every one of their windows closed:
    // the sample on the far side that confirms the gateway's clock did not step meanwhile.
    const [latest] = await sql<{ until: Date }[]>`
      SELECT max(unconfirmed_until) AS until FROM payments WHERE id IN ${sql(upgraded)}`;
    await clockPast((latest as { until: Date }).until.getTime() + WINDOW_END_AFTER_MS);
    const confirming = await client.post<PaymentResponse>('/payments', {
      sender_account: '11112222',
      receiver_account: '44445551',
      amount: '12.34',
      memo: memos.confirmation,
    });
    expect(confirming.status).toBe(201);
    const [sample] = await sql<{ started_at: Date; ended_at: Date; outcome: string }[]>`
      SELECT started_at, ended_at, outcome FROM payment_attempts WHERE payment_id = ${confirming.body.id}`;
    expect(sample?.outcome).toBe('accepted');
    const confirmedAt = (sample as { ended_at: Date }).ended_at.getTime();

    // Then they are judged. The recorded one takes its own entry; so does the in-flight one;
    // neither is sent again.
    const recorded = await waitForConfirmation(ids.recorded);
    expect(recorded).toMatchObject({ confirmation_id: entries.recorded.confirmation_id, attempts: 1 });
    const inFlight = await waitForConfirmation(ids.inFlight);
    expect(inFlight).toMatchObject({ confirmation_id: entries.inFlight.confirmation_id, attempts: 1 });
    // Linked with the status its entry has at the gateway by then (pending, or settled already).
    const inFlightEvents = await events(ids.inFlight);
    expect(inFlightEvents[2]).toMatchObject({
      from_status: 'unconfirmed',
      to_status: expect.stringMatching(/^(pending|settled)$/),
    });
    expect(inFlightEvents[2]?.reason).toMatch(/matched to the only gateway entry in its window/);
    expect(await recordedWithMemo(memos.recorded)).toHaveLength(1);
    expect(await recordedWithMemo(memos.inFlight)).toHaveLength(1);

    // The never-recorded one is re-queued once its window is proven empty, and sent once.
    const resent = await waitForConfirmation(ids.unrecorded);
    const resentEntries = await recordedWithMemo(memos.unrecorded);
    expect(resentEntries).toHaveLength(1);
    expect(resent).toMatchObject({ confirmation_id: resentEntries[0]?.confirmation_id, attempts: 2 });
    const unrecordedEvents = await events(ids.unrecorded);
    expect(unrecordedEvents.slice(0, 4).map((e) => [e.from_status, e.to_status])).toEqual([
      [null, 'received'],
      ['received', 'unconfirmed'],
      ['unconfirmed', 'received'],
      ['received', 'pending'],
    ]);
    expect(unrecordedEvents[2]?.reason).toMatch(/never recorded/);

    // Each was judged only once the confirming sample was stored, and the re-send came after.
    const [resendAttempt] = await sql<{ started_at: Date }[]>`
      SELECT started_at FROM payment_attempts WHERE payment_id = ${ids.unrecorded} AND attempt = 2`;
    const linkEvent = (await events(ids.recorded)).find((e) => e.from_status === 'unconfirmed');
    expect(linkEvent?.reason).toMatch(/matched to the only gateway entry in its window/);
    for (const judged of [linkEvent, inFlightEvents[2], unrecordedEvents[2]]) {
      expect(judged?.at.getTime()).toBeGreaterThanOrEqual(confirmedAt);
    }
    expect(unrecordedEvents[2]?.at.getTime()).toBeLessThanOrEqual(resendAttempt?.started_at.getTime() ?? 0);
    // The confirming payment holds its own entry.
    const confirmingEntries = await recordedWithMemo(memos.confirmation);
    expect(confirmingEntries).toHaveLength(1);
    expect((await stored(confirming.body.id)).confirmation_id).toBe(confirmingEntries[0]?.confirmation_id);

    // A few more cycles: nothing else is sent (the gateway got the confirming payment and the one
    // re-send, nothing more), nothing is left for an operator, no alarm.
    await moreCycles();
    expect(await submitsReceived()).toBe(submitsBeforeUpgrade + 2);
    const report = await createHttpClient(apiUrl, adminKey).get<{
      unconfirmed: unknown[];
      gateway: {
        clock_alarm: string | null;
        list_alarm: string | null;
        foreign_unacknowledged: number;
        double_send_alarms: number;
      };
    }>('/admin/reconciliation');
    expect(report.status).toBe(200);
    expect(report.body.unconfirmed).toEqual([]);
    expect(report.body.gateway).toMatchObject({
      clock_alarm: null,
      list_alarm: null,
      foreign_unacknowledged: 0,
      double_send_alarms: 0,
    });
    const alarms = logs.lines.map((line) => JSON.parse(line) as { msg: string }).filter((e) => e.msg.startsWith('ALARM'));
    expect(alarms).toEqual([]);
    // The accepted payment kept its link, and moves on with the gateway as before.
    expect(await stored(ids.accepted)).toMatchObject({ confirmation_id: entries.accepted.confirmation_id, attempts: 1 });
    expect((await client.get<PaymentResponse>(`/payments/${ids.inFlight}`)).body.confirmation_id).toBe(
      entries.inFlight.confirmation_id,
    );
  });
});
