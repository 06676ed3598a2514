import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/database.js';
import { logOnce } from '../testing/log-capture.js';

// Long, distinctive account numbers, so finding one in a log line cannot be a coincidence.
const SENDER = '904817263541';
const RECEIVER = '713390264582';

/** What postgres.js rejected `statement` with. */
async function failureOf(statement: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await statement;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('the statement did not fail');
}

async function loggedError(error: Error): Promise<{ text: string; err: Record<string, unknown> }> {
  const capture = await logOnce((logger) => logger.error({ err: error }, 'statement failed'));
  const line = JSON.parse(capture.lines[0] ?? '{}') as { err: Record<string, unknown> };
  return { text: capture.text(), err: line.err };
}

describe('a real Postgres error in a log line', () => {
  let database: TestDatabase;
  let sql: postgres.Sql;

  beforeAll(async () => {
    database = await createTestDatabase();
    sql = postgres(database.url, { max: 1, onnotice: () => {} });
    await sql`CREATE TABLE sent (sender_account text PRIMARY KEY, receiver_account text CHECK (receiver_account <> sender_account))`;
    await sql`INSERT INTO sent VALUES (${SENDER}, ${RECEIVER})`;
  });
  afterAll(async () => {
    await sql?.end({ timeout: 5 });
    await database?.drop();
  });

  test('shows a unique violation’s key with the account masked', async () => {
    const error = await failureOf(sql`INSERT INTO sent VALUES (${SENDER}, ${RECEIVER})`);
    expect(error.detail).toBe(`Key (sender_account)=(${SENDER}) already exists.`);
    const { text, err } = await loggedError(error);
    expect(text).not.toContain(SENDER);
    expect(err).toMatchObject({
      code: '23505',
      detail: 'Key (sender_account)=(********3541) already exists.',
      constraint_name: 'sent_pkey',
    });
  });

  test('shows a check violation’s failing row with both accounts masked', async () => {
    const error = await failureOf(sql`INSERT INTO sent VALUES (${RECEIVER}, ${RECEIVER})`);
    expect(error.detail).toContain(RECEIVER);
    const { text, err } = await loggedError(error);
    expect(text).not.toContain(RECEIVER);
    expect(err).toMatchObject({ code: '23514', detail: 'Failing row contains (********4582, ********4582).' });
  });

  test('masks the query’s parameters that postgres.js’s debug option puts on the error', async () => {
    const debugging = postgres(database.url, { max: 1, onnotice: () => {}, debug: true });
    try {
      const error = await failureOf(debugging`INSERT INTO sent VALUES (${SENDER}, ${'x'})`);
      expect(error.parameters).toContain(SENDER);
      const { text, err } = await loggedError(error);
      expect(text).not.toContain(SENDER);
      expect(err.parameters).toEqual(['********3541', 'x']);
      expect(err.query).toMatch(/INSERT INTO sent/);
    } finally {
      await debugging.end({ timeout: 5 });
    }
  });
});
