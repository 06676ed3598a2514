import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientId, logLines } from '../delivery-helpers.js';
import { expectProblem, fieldsOf } from '../expect-problem.js';
import { eventually, type System } from '../harness.js';
import { insertPayments, makePayments, SENDER_B, type SeededPayment } from './filter-fixtures.js';
import { type Client, startWithAcme } from './fixtures.js';

/**
 * GET /payments as CSV (`format=csv` or `Accept: text/csv`): the same query, every matching row,
 * streamed in keyset batches. Filters themselves: list-payments-filters.test.ts.
 */

const HEADER =
  'id,status,amount,sender_account,receiver_account,memo,confirmation_id,failure_reason,created_at,submitted_at,resolved_at,updated_at,last_synced_at';

/** Rows that need quoting or defusing, on top of the plain ones. */
function trickyRows(): SeededPayment[] {
  const [a, b, c, d] = makePayments(4, 100 * 3_600_000);
  return [
    { ...(a as SeededPayment), memo: '=HYPERLINK("http://evil")' },
    { ...(b as SeededPayment), memo: 'a, "quoted" memo' },
    { ...(c as SeededPayment), memo: '-2+3', status: 'failed', last_error: 'line one\r\nline two, with a comma' },
    { ...(d as SeededPayment), memo: '@SUM(A1)', status: 'failed', last_error: '\tstarts with a tab' },
  ];
}

/** Inserts `count` plain payments for acme in one statement. */
async function insertMany(system: System, count: number) {
  const owner = await clientId(system, 'acme');
  await system.sql`
    INSERT INTO payments (id, client_id, status, amount, sender_account, receiver_account, memo)
    SELECT gen_random_uuid(), ${owner}, 'settled', 12.34, '11112222', '33334440', 'bulk row ' || g
    FROM generate_series(1, ${count}) AS g`;
}

describe('GET /payments as CSV', () => {
  let system: System;
  let client: Client;
  let rows: SeededPayment[];
  let tricky: SeededPayment[];

  beforeAll(async () => {
    ({ system, client } = await startWithAcme({ env: { EXPORT_BATCH_SIZE: '2' } }));
    rows = makePayments(23);
    tricky = trickyRows();
    await insertPayments(system, 'acme', [...rows, ...tricky]);
    await system.createClient('globex');
    await insertPayments(system, 'globex', makePayments(5, 1_800_000));
  });
  afterAll(() => system?.stop());

  it('format=csv streams a header and every matching payment over several batches, newest first', async () => {
    const answer = await client.get(`/payments?format=csv&sender_account=${SENDER_B}&created_to=2026-01-04T00:00:00Z`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
    expect(answer.headers['content-disposition']).toMatch(/^attachment; filename="payments-[\dT-]+Z\.csv"$/);
    const lines = answer.text.split('\r\n');
    expect(lines[0]).toBe(HEADER);
    expect(lines.at(-1)).toBe(''); // every record ends with CRLF
    const want = rows.filter((p) => p.sender_account === SENDER_B).sort((x, y) => (x.id < y.id ? 1 : -1));
    expect(want.length).toBeGreaterThan(4); // more than two batches of 2
    expect(lines.slice(1, -1).map((line) => line.split(',')[0])).toEqual(want.map((p) => p.id));
    const first = want[0] as SeededPayment;
    expect(lines[1]).toBe(
      `${first.id},${first.status},${first.amount},${first.sender_account},${first.receiver_account},${first.memo ?? ''},,,${first.created_at},,,${first.created_at},`,
    );
    const [done] = logLines(system, 'payments export completed').slice(-1);
    expect(done).toMatchObject({ rows: want.length, batches: Math.ceil(want.length / 2) });
  });

  it('Accept: text/csv answers the same export, every payment when unfiltered and none of another client', async () => {
    const viaAccept = await client.get('/payments', { accept: 'text/csv' });
    expect(viaAccept.status).toBe(200);
    expect(String(viaAccept.headers['content-type'])).toMatch(/^text\/csv/);
    const ids = viaAccept.text
      .split('\r\n')
      .slice(1, -1)
      .map((line) => line.slice(0, 36));
    // the tricky rows' quoted line breaks make one extra line; every acme id is there once
    for (const p of [...rows, ...tricky]) expect(ids.filter((id) => id === p.id)).toHaveLength(1);
    expect(viaAccept.text.match(/^[0-9a-f-]{36},/gm)).toHaveLength(rows.length + tricky.length);
    const json = await client.get('/payments', { accept: 'application/json' });
    expect(String(json.headers['content-type'])).toMatch(/^application\/json/);
  });

  it('quotes by RFC 4180 and prefixes formula-like cells with an apostrophe', async () => {
    const text = (await client.get('/payments?format=csv&created_from=2026-01-05T00:00:00Z')).text;
    const [hyperlink, quoted, minus, at] = tricky as [SeededPayment, SeededPayment, SeededPayment, SeededPayment];
    expect(text).toContain(
      `${hyperlink.id},pending,${hyperlink.amount},${hyperlink.sender_account},${hyperlink.receiver_account},"'=HYPERLINK(""http://evil"")",`,
    );
    expect(text).toContain(
      `${quoted.id},settled,${quoted.amount},${quoted.sender_account},${quoted.receiver_account},"a, ""quoted"" memo",`,
    );
    expect(text).toContain(`,'-2+3,,"line one\r\nline two, with a comma",`);
    expect(text).toContain(`,'@SUM(A1),,'\tstarts with a tab,`);
    expect(text).not.toMatch(/,[=+\-@]/);
    expect(text.split('\r\n')[0]).toBe(HEADER);
    expect(text).toContain(at.id);
    expect(minus.status).toBe('failed');
  });

  it('an export with no match is the header alone', async () => {
    const answer = await client.get('/payments?format=csv&memo=nothing%20starts%20so');
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(`${HEADER}\r\n`);
  });

  it('a bad filter is refused with problem+json before any CSV, naming every bad field', async () => {
    const problem = expectProblem(await client.get('/payments?format=csv&amount_min=abc&receiver_account=1'), 422);
    expect(fieldsOf(problem)).toEqual(['query.amount_min', 'query.receiver_account']);
    const viaAccept = expectProblem(await client.get('/payments?status=nope', { accept: 'text/csv' }), 422);
    expect(fieldsOf(viaAccept)).toEqual(['query.status']);
  });
});

describe('GET /payments as CSV: cut short', () => {
  // Enough rows that the socket's buffers cannot hold the whole export: the server reads batches
  // only as the client takes the bytes, so it is still reading when the test acts.
  const ROWS = 40_000;
  let system: System;
  let apiKey: string;

  beforeAll(async () => {
    ({ system } = await startWithAcme({ proxyDatabase: true, env: { EXPORT_BATCH_SIZE: '10' } }));
    apiKey = await system.createClient('acme');
    await insertMany(system, ROWS);
  });
  afterAll(() => system?.stop());

  const openExport = () => request(`${system.apiUrl}/payments?format=csv`, { headers: { authorization: `Bearer ${apiKey}` } });

  it('a client that goes away stops the export: no further batch is read', async () => {
    const answer = await openExport();
    expect(answer.statusCode).toBe(200);
    for await (const _chunk of answer.body) break; // one chunk, then the client leaves
    answer.body.destroy();
    const stopped = await eventually(async () => logLines(system, 'payments export stopped').at(-1));
    expect(Number(stopped.rows)).toBeLessThan(ROWS);
    expect(Number(stopped.batches)).toBeLessThan(ROWS / 10);
    expect(logLines(system, 'payments export completed')).toHaveLength(0);
  });

  it('a database failure mid-stream cuts the connection, so the download is visibly incomplete', async () => {
    const stoppedBefore = logLines(system, 'payments export stopped').length;
    const answer = await openExport();
    expect(answer.statusCode).toBe(200);
    const iterator = answer.body[Symbol.asyncIterator]();
    await iterator.next();
    system.dbProxy?.cut();
    const drain = async () => {
      for (let next = await iterator.next(); !next.done; next = await iterator.next());
    };
    await expect(drain()).rejects.toThrow();
    system.dbProxy?.restore();
    await eventually(async () => (logLines(system, 'payments export stopped').length > stoppedBefore ? true : undefined));
    expect(logLines(system, 'payments export completed')).toHaveLength(0);
  });
});
