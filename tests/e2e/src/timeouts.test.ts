import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './expect-problem.js';
import { type System, startSystem } from './harness.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('Postgres timeouts on the app’s sessions', () => {
  let system: System;

  beforeAll(async () => {
    system = await startSystem({
      startSyncer: false,
      env: { DB_STATEMENT_TIMEOUT_MS: '500', DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '500' },
    });
  });
  afterAll(() => system?.stop());

  it('cancels a statement past DB_STATEMENT_TIMEOUT_MS on the API’s pool', async () => {
    await expect(system.apiDeps.sql`SELECT pg_sleep(3)`).rejects.toMatchObject({ code: '57014' });
    expect(await system.apiDeps.sql`SELECT 1 AS one`).toEqual([{ one: 1 }]); // the pool goes on
  });

  it('answers 503 problem+json with Retry-After when a read runs past it, never a 500 or a hang', async () => {
    const key = await system.createClient('waits-on-a-lock');
    // The test holds a lock the API's read must wait for; the statement timeout ends the wait.
    const answer = await system.sql.begin(async (tx) => {
      await tx`LOCK TABLE payments IN ACCESS EXCLUSIVE MODE`;
      return Promise.race([system.as(key).get('/payments'), sleep(10_000).then(() => null)]);
    });
    if (!answer) throw new Error('GET /payments did not answer while the table was locked');
    expectProblem(answer, 503);
    expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    expect((await system.as(key).get('/payments')).status).toBe(200);
  });

  it('ends a session left idle in a transaction past DB_IDLE_IN_TRANSACTION_TIMEOUT_MS', async () => {
    const idle = system.apiDeps.sql.begin(async (tx) => {
      await tx`SELECT 1`;
      await sleep(1500);
      await tx`SELECT 1`;
    });
    await expect(idle).rejects.toThrow();
    expect(await system.apiDeps.sql`SELECT 1 AS one`).toEqual([{ one: 1 }]);
  });
});
