import type { PaymentTrackerClient, paths } from '@pt/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, fieldsOf } from '../expect-problem.js';
import type { System } from '../harness.js';
import { listOf } from '../payment-list.js';
import { insertPayments, makePayments, RARE_RECEIVER, SENDER_B, type SeededPayment } from './filter-fixtures.js';
import { type Client, GLOBEX_ACCOUNT, startWithAcme } from './fixtures.js';

/**
 * GET /payments's filters, each alone and combined, walked page by page with the cursor and
 * compared with the same filter applied to the inserted rows. Paging and tenancy without filters:
 * list-payments.test.ts; the CSV export: list-payments-export.test.ts. A filter with a typed query
 * goes through the typed client, as a client would send it; the others keep their query string,
 * where the wire form is the point (comma lists, repeats, + and percent-encodings).
 */

type ListQuery = NonNullable<paths['/payments']['get']['parameters']['query']>;
type Check = (p: SeededPayment) => boolean;

const at = (iso: string) => (p: SeededPayment) => Date.parse(p.created_at) - Date.parse(iso);
const cents = (amount: string) => Math.round(Number(amount) * 100);

const FILTERS: Array<[query: string, check: Check, typed?: ListQuery]> = [
  ['status=pending', (p) => p.status === 'pending', { status: ['pending'] }],
  ['status=pending,failed', (p) => p.status === 'pending' || p.status === 'failed'],
  ['status=pending&status=received,settled', (p) => p.status !== 'failed'],
  ['created_from=2026-01-01T05:00:00Z', (p) => at('2026-01-01T05:00:00Z')(p) >= 0, { created_from: '2026-01-01T05:00:00Z' }],
  ['created_to=2026-01-01T05:00:00%2B01:00', (p) => at('2026-01-01T04:00:00Z')(p) < 0],
  // a + left unencoded arrives as a space: read as the offset it was
  [
    'created_from=2026-01-01T09:30:00+02:00&created_to=2026-01-01T12:00:00.000Z',
    (p) => at('2026-01-01T07:30:00Z')(p) >= 0 && at('2026-01-01T12:00:00Z')(p) < 0,
  ],
  ['amount_min=50.5', (p) => cents(p.amount) >= 5050, { amount_min: '50.5' }],
  ['amount_max=100', (p) => cents(p.amount) <= 10000, { amount_max: '100' }],
  ['amount_min=30.50&amount_max=30.50', (p) => p.amount === '30.50', { amount_min: '30.50', amount_max: '30.50' }],
  [`sender_account=${SENDER_B}`, (p) => p.sender_account === SENDER_B, { sender_account: SENDER_B }],
  [`receiver_account=${RARE_RECEIVER}`, (p) => p.receiver_account === RARE_RECEIVER, { receiver_account: RARE_RECEIVER }],
  ['memo=inv', (p) => p.memo?.startsWith('inv') === true, { memo: 'inv' }],
  ['memo=inv%25', (p) => p.memo === 'inv%oice'],
  ['memo=inv_', (p) => p.memo === 'inv_oice'],
  ['memo=%3DHYPER', (p) => p.memo?.startsWith('=HYPER') === true],
  [
    `status=pending,settled&amount_min=20&receiver_account=${RARE_RECEIVER}`,
    (p) => (p.status === 'pending' || p.status === 'settled') && cents(p.amount) >= 2000 && p.receiver_account === RARE_RECEIVER,
    { status: ['pending', 'settled'], amount_min: '20', receiver_account: RARE_RECEIVER },
  ],
  [
    `memo=invoice&sender_account=${SENDER_B}&created_from=2026-01-01T00:00:00Z&amount_max=200`,
    (p) => p.memo?.startsWith('invoice') === true && p.sender_account === SENDER_B && cents(p.amount) <= 20000,
    { memo: 'invoice', sender_account: SENDER_B, created_from: '2026-01-01T00:00:00Z', amount_max: '200' },
  ],
];

describe('GET /payments filters', () => {
  let system: System;
  let acme: Client;
  let acmeApi: PaymentTrackerClient;
  let rows: SeededPayment[];

  beforeAll(async () => {
    ({ system, client: acme, api: acmeApi } = await startWithAcme());
    await system.createClient('globex', false, { accounts: [GLOBEX_ACCOUNT] });
    rows = makePayments(24);
    await insertPayments(system, 'acme', rows);
    // globex's rows match every filter above as often as acme's: none may show
    await insertPayments(system, 'globex', makePayments(24, 1800_000));
  });
  afterAll(() => system?.stop());

  /** One page at `limit` 2 from `cursor`: a query string as raw HTTP, a typed query through the typed client. */
  async function page(query: string | ListQuery, cursor: string | null) {
    if (typeof query === 'string') {
      const answer = await acme.get<ReturnType<typeof listOf>>(`/payments?limit=2&${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(answer.status, answer.text).toBe(200);
      return answer.body;
    }
    const answer = await acmeApi.GET('/payments', { params: { query: { ...query, limit: 2, ...(cursor ? { cursor } : {}) } } });
    expect(answer.response.status, JSON.stringify(answer.error)).toBe(200);
    return listOf(answer.data);
  }

  /** Every page of a query at `limit` 2, with the cursor; the ids in order. */
  async function walk(query: string | ListQuery, start: string | null = null): Promise<string[]> {
    const ids: string[] = [];
    let cursor = start;
    for (let pages = 0; pages < 30; pages++) {
      const list = await page(query, cursor);
      expect(list.items.length).toBeLessThanOrEqual(2);
      ids.push(...list.items.map((p) => p.id));
      cursor = list.next_cursor;
      if (cursor === null) return ids;
    }
    throw new Error('more pages than rows');
  }

  const expected = (check: Check) =>
    rows
      .filter(check)
      .map((p) => p.id)
      .sort()
      .reverse();

  it.each(FILTERS)(
    'GET /payments?%s lists exactly the matching payments, newest first, across pages',
    async (query, check, typed) => {
      const want = expected(check);
      expect(want.length).toBeGreaterThan(0);
      expect(want.length).toBeLessThan(rows.length);
      expect(await walk(typed ?? query)).toEqual(want);
    },
  );

  it('GET /payments?status= with a cursor of another filter continues from its position (nothing older skipped, nothing repeated)', async () => {
    const first = listOf((await acmeApi.GET('/payments', { params: { query: { limit: 3, status: ['pending'] } } })).data);
    const position = first.items.at(-1)?.id as string;
    const next = await walk({ status: ['settled'] }, first.next_cursor);
    expect(next).toEqual(expected((p) => p.status === 'settled' && p.id < position));
  });

  it('GET /payments?limit=100 without filters still lists every payment of the caller only', async () => {
    const list = listOf((await acmeApi.GET('/payments', { params: { query: { limit: 100 } } })).data);
    expect(list.items.map((p) => p.id)).toEqual(expected(() => true));
  });
});

describe('GET /payments filters: bad values', () => {
  let system: System;
  let client: Client;

  beforeAll(async () => {
    ({ system, client } = await startWithAcme());
  });
  afterAll(() => system?.stop());

  it.each([
    ['created_from=2026-02-30T00:00:00Z', ['query.created_from']],
    ['created_from=2026-13-01T00:00:00Z', ['query.created_from']],
    ['created_to=2026-01-01', ['query.created_to']],
    ['created_to=2026-01-01T10:00:00', ['query.created_to']],
    ['created_from=yesterday', ['query.created_from']],
    ['created_from=2026-01-02T00:00:00Z&created_to=2026-01-01T00:00:00Z', ['query.created_from']],
    ['amount_min=-1', ['query.amount_min']],
    ['amount_min=1.234', ['query.amount_min']],
    ['amount_max=1e3', ['query.amount_max']],
    ['amount_max=0', ['query.amount_max']],
    ['amount_min=10&amount_max=9.99', ['query.amount_min']],
    ['status=pending,bogus', ['query.status']],
    ['status=pending&status=', ['query.status']],
    ['sender_account=12ab5678', ['query.sender_account']],
    ['receiver_account=123', ['query.receiver_account']],
    ['memo=', ['query.memo']],
    ['memo=a%07b', ['query.memo']],
    ['format=xml', ['query.format']],
    [
      'created_from=2026-02-30T00:00:00Z&amount_min=x&status=nope&sender_account=1&memo=&format=pdf&limit=0',
      [
        'query.amount_min',
        'query.created_from',
        'query.format',
        'query.limit',
        'query.memo',
        'query.sender_account',
        'query.status',
      ],
    ],
    // a range's order is checked even when another field is bad, so one answer names both
    ['amount_min=10&amount_max=9&status=nope', ['query.amount_min', 'query.status']],
  ])('GET /payments?%s answers 422 naming %j', async (query, fields) => {
    const problem = expectProblem(await client.get(`/payments?${query}`), 422);
    expect([...new Set(fieldsOf(problem))].sort()).toEqual(fields);
  });
});

describe('GET /payments filters: logs', () => {
  let system: System;
  let client: Client;

  beforeAll(async () => {
    ({ system, client } = await startWithAcme());
    await insertPayments(system, 'acme', makePayments(4));
  });
  afterAll(() => system?.stop());

  it('carry no account number of a query string, in answers, refusals and exports alike', async () => {
    // long and distinctive, so finding one in the logs cannot be a coincidence
    const sender = '904817263541';
    const receiver = '713390264582';
    const queries = [
      `sender_account=${sender}&receiver_account=${receiver}`,
      `sender_account=${sender}&receiver_account=${receiver}&format=csv`,
      `sender_account=${sender}&receiver_account=${receiver}x&amount_min=nope`,
      `receiver_account=${receiver}&colour=${sender}`,
      `memo=${receiver}&cursor=${sender}`,
    ];
    const statuses = [];
    for (const query of queries) statuses.push((await client.get(`/payments?${query}`)).status);
    expect(statuses).toEqual([200, 200, 422, 422, 422]);
    const lines = system.logs.lines.filter((line) => line.includes('"path":"/payments"'));
    expect(lines.length).toBeGreaterThanOrEqual(queries.length); // the requests were logged…
    const text = system.logs.text();
    expect(text).toContain('payments export completed');
    for (const account of [sender, receiver]) expect(text).not.toContain(account); // …without the accounts
  });
});
