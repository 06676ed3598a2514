import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientId, logLines, waitForSyncAfter } from './delivery-helpers.js';
import { type System, startSystem } from './harness.js';

// Long, distinctive account numbers, so finding one in the logs cannot be a coincidence.
const SENDER = '904817263541';
const RECEIVER = '713390264582';
const OTHER = '620044918273';

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
