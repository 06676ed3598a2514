import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiClientsRepository, createSql, type PaymentResponse } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientId, confirmGatewayClockAfter, logLines, waitForSyncAfter } from './delivery-helpers.js';
import { eventually, type System, startSystem } from './harness.js';

type Client = ReturnType<System['as']>;

// Long, distinctive account numbers, so finding one in the logs cannot be a coincidence.
const ACCOUNTS = ['904817263541', '713390264582', '620044918273', '588126037464', '467702315985', '350918274616'];
const FINAL = new Set(['settled', 'returned', 'failed', 'rejected']);
const [SENDER, RECEIVER, OTHER] = ACCOUNTS as [string, string, string];

async function putFaults(system: System, submit: unknown[]) {
  await fetch(`${system.mock.url}/__mock/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ submit, status: [] }),
  });
}

describe('logs of a full flow', () => {
  let system: System;
  const keys: string[] = [];

  beforeAll(async () => {
    system = await startSystem({ delaySeconds: 0.3 });
  });
  afterAll(() => system?.stop());

  it('carry neither a full account number nor an API key, on api and syncer, through every path', async () => {
    // ACCOUNTS for its own payments; 11112222 for delivery-helpers' (the clock-confirming one).
    const acmeKey = await system.createClient('acme', false, { accounts: [...ACCOUNTS, '11112222'] });
    const revokedKey = await system.createClient('revoked');
    keys.push(acmeKey, revokedKey);
    const acme: Client = system.as(acmeKey);
    const pay = (i: number, extra: Record<string, unknown> = {}) =>
      acme.post<PaymentResponse>('/payments', {
        sender_account: ACCOUNTS[i],
        receiver_account: ACCOUNTS[(i + 1) % ACCOUNTS.length],
        amount: '25.00',
        ...extra,
      });

    // accepted at once (which also measures the gateway's clock, so unknown outcomes can be judged);
    // outcome unknown (the syncer links it); turned away with a 429 (the syncer re-submits it).
    // One fault at a time, and the 429 last, so the syncer's re-submission cannot take another's fault.
    const ids: string[] = [];
    ids.push((await pay(0, { memo: `for ${ACCOUNTS[5]}` })).body.id);
    await putFaults(system, [{ kind: 'accept_then_error', status_code: 500, count: 1 }]);
    const unknown = await pay(1);
    expect(unknown.body.status).toBe('unconfirmed');
    ids.push(unknown.body.id);
    await putFaults(system, [{ kind: 'rate_limit', retry_after_s: 0, count: 1 }]);
    const turnedAway = await pay(2);
    expect(turnedAway.body.status).toBe('received');
    ids.push(turnedAway.body.id);
    // The 429 taken, the next accepted payment confirms the gateway's clock around the unknown outcome.
    await confirmGatewayClockAfter(system, acme, unknown.body.id);

    // idempotent replay, validation failures that carry account numbers, a refresh
    const idem = await acme.post<PaymentResponse>(
      '/payments',
      { sender_account: ACCOUNTS[4], receiver_account: ACCOUNTS[5], amount: '1.00' },
      { 'idempotency-key': 'log-test-key' },
    );
    ids.push(idem.body.id);
    await acme.post(
      '/payments',
      { sender_account: ACCOUNTS[4], receiver_account: ACCOUNTS[5], amount: '1.00' },
      {
        'idempotency-key': 'log-test-key',
      },
    );
    expect(
      (await acme.post('/payments', { sender_account: ACCOUNTS[4], receiver_account: ACCOUNTS[4], amount: '1.00' })).status,
    ).toBe(422);
    expect((await acme.post('/payments', { sender_account: ACCOUNTS[5], receiver_account: 'x', amount: 'lots' })).status).toBe(
      422,
    );
    await acme.get(`/payments/${ids[0]}?refresh=true`);

    // bad credentials: unknown, wrong secret, revoked
    const unknownKey = `pt_${'Q'.repeat(12)}_${'Z'.repeat(43)}`;
    const wrongSecret = acmeKey.replace(/_[^_]+$/, `_${'W'.repeat(43)}`);
    keys.push(unknownKey, wrongSecret);
    expect((await system.as(unknownKey).get('/payments')).status).toBe(401);
    expect((await system.as(wrongSecret).get('/payments')).status).toBe(401);
    const admin = createSql(system.database.url, { max: 1 });
    await createApiClientsRepository(admin.sql).revokeByName('revoked');
    await admin.close();
    expect(
      (await system.as(revokedKey).post('/payments', { sender_account: ACCOUNTS[0], receiver_account: ACCOUNTS[1], amount: 1 }))
        .status,
    ).toBe(401);

    // let the syncer carry every payment to a final status
    for (const id of ids) {
      await eventually(
        async () => (FINAL.has((await acme.get<PaymentResponse>(`/payments/${id}`)).body.status) ? true : undefined),
        { what: `payment ${id} to resolve` },
      );
    }

    const text = system.logs.text();
    const lines = system.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    // the logs did see this flow: requests, deliveries and sync cycles from both apps
    expect(lines.filter((l) => l.name === 'api').length).toBeGreaterThan(20);
    expect(lines.filter((l) => l.name === 'syncer').length).toBeGreaterThan(0);
    for (const id of ids) expect(text).toContain(id);

    for (const account of ACCOUNTS) {
      expect(text, `account ${account} appears in full`).not.toContain(account);
    }
    for (const key of keys) {
      const secret = key.split('_').slice(2).join('_');
      expect(text, 'an API key appears').not.toContain(key);
      expect(text, 'an API key secret appears').not.toContain(secret);
    }
    expect(text).not.toMatch(/Bearer\s+pt_/i);
    expect(text).not.toContain('log-test-key');
  });

  it('hold one line per answered request: its id, method, path without the query, status and time', async () => {
    const client = system.as(await system.createClient('request-lines'));
    const before = system.logs.lines.length;
    const answer = await client.get('/payments?limit=2&status=settled');
    expect(answer.status).toBe(200);
    const requestId = answer.headers['x-request-id'];
    expect(requestId).toEqual(expect.any(String));
    const lines = system.logs.lines
      .slice(before)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.reqId === requestId);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        name: 'api',
        msg: 'request completed',
        method: 'GET',
        path: '/payments',
        statusCode: 200,
        responseTime: expect.any(Number),
      }),
    ]);
  });
});

/**
 * Text that is not ours to shape reaches the logs: a Postgres error's detail quotes the row it
 * refused, a gateway's unusable /status entry is logged as it came. Account numbers in either
 * are masked like the account fields of a log line.
 */
describe('logs mask accounts in text they quote', () => {
  let system: System;
  let client: ReturnType<System['as']>;

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false });
    client = system.as(await system.createClient('acme'));
  });
  afterAll(() => system?.stop());

  it('masks the accounts of a real Postgres error the API logs', async () => {
    // The sender is acme's own, so the payment gets as far as its INSERT.
    await system.sql`
      INSERT INTO client_accounts (account, client_id, created_by) VALUES (${SENDER}, ${await clientId(system, 'acme')}, 'test')`;
    // The database refuses what the API lets through: its error quotes the whole failing row.
    await system.sql`ALTER TABLE payments ADD CONSTRAINT test_small_amounts CHECK (amount < 1000)`;
    try {
      const answer = await client.post('/payments', { sender_account: SENDER, receiver_account: RECEIVER, amount: '5000.00' });
      expect(answer.status).toBe(500);
      expect(answer.text).not.toContain(SENDER);

      const [logged] = logLines(system, 'unhandled error');
      const err = logged?.err as { code?: string; detail?: string } | undefined;
      expect(err?.code).toBe('23514');
      expect(err?.detail).toMatch(/^Failing row contains \(/);
      expect(err?.detail).toContain('5000.00, ********3541, ********4582');
      expect(system.logs.text()).not.toContain(SENDER);
      expect(system.logs.text()).not.toContain(RECEIVER);
    } finally {
      await system.sql`ALTER TABLE payments DROP CONSTRAINT test_small_amounts`;
    }
  });

  it('masks the accounts in unusable gateway entries the syncer logs', async () => {
    // The mock never lists such entries, so a minimal gateway of our own serves them over HTTP.
    const owner = await clientId(system, 'acme');
    const tracked = `fake-${randomUUID()}`;
    const old = new Date(Date.now() - 60_000);
    await system.sql`
      INSERT INTO payments (id, client_id, status, amount, sender_account, receiver_account, confirmation_id, attempts, gateway_updated_at)
      VALUES (${randomUUID()}, ${owner}, 'pending', '1.00', '11112222', '44445550', ${tracked}, 1, ${old})`;
    const at = old.toISOString().replace('Z', '000');
    const body = JSON.stringify([
      // read by the gateway client, skipped there: no string confirmation_id
      { confirmation_id: 42, status: 'settled', sender_account: SENDER, created_at: at },
      // read by the syncer, skipped there: a tracked payment with a status that is none
      { confirmation_id: tracked, status: `refused ${RECEIVER}`, receiver_account: OTHER, created_at: at, updated_at: at },
    ]);
    const fake = await listen(
      createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      }),
    );
    try {
      const syncer = await system.startSyncer({ GATEWAY_URL: fake.url });
      await waitForSyncAfter(system, new Date());
      await syncer.stop();
    } finally {
      await fake.close();
    }

    const skipped = logLines(system, 'skipped an unusable /status entry').map((line) => String(line.entry));
    expect(skipped).toEqual([
      expect.stringContaining('"sender_account":"********3541"'),
      expect.stringMatching(/"status":"refused \*+4582".*"receiver_account":"\*+8273"/),
    ]);
    for (const account of [SENDER, RECEIVER, OTHER]) expect(system.logs.text()).not.toContain(account);
  });
});

async function listen(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
