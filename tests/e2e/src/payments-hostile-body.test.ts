import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, fieldsOf } from './expect-problem.js';
import { type System, startSystem } from './harness.js';

type MockStats = { submits_received: number };

const ACCOUNTS = '"sender_account":"11112222","receiver_account":"33334440"';

/**
 * Bodies that read one way to us and another way to something else (a JSON reader that keeps
 * the first of two keys; a person reading a memo on a screen) are refused, before anything is
 * stored or sent.
 */
describe('POST /payments refuses bodies that read two ways', () => {
  let system: System;
  let client: ReturnType<System['as']>;

  beforeAll(async () => {
    system = await startSystem({ startSyncer: false });
    client = system.as(await system.createClient('acme'));
  });
  afterAll(() => system?.stop());

  async function storedAndSent(): Promise<[number, number]> {
    const [row] = await system.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM payments`;
    const stats = (await (await fetch(`${system.mock.url}/__mock/stats`)).json()) as MockStats;
    return [row?.n ?? 0, stats.submits_received];
  }

  const postRaw = (body: string, path = '/payments') =>
    client.call('POST', path, { body, headers: { 'content-type': 'application/json' } });

  it.each([
    ['an amount given twice, once through an escape', `{${ACCOUNTS},"amount":5000,"\\u0061mount":1}`, ['body.amount']],
    ['an amount given twice, as a number and a string', `{${ACCOUNTS},"amount":"1.00","amount":1}`, ['body.amount']],
    ['the same memo twice', `{${ACCOUNTS},"amount":"1.00","memo":"a","memo":"a"}`, ['body.memo']],
    [
      'both accounts twice',
      `{${ACCOUNTS},"amount":"1.00","sender_account":"99998888","receiver\\u005faccount":"77776660"}`,
      ['body.receiver_account', 'body.sender_account'],
    ],
  ])('answers 400 naming each repeated key: %s', async (_label, body, fields) => {
    const before = await storedAndSent();
    const problem = expectProblem(await postRaw(body), 400);
    expect(problem.type).toMatch(/\/duplicate-key$/);
    expect(fieldsOf(problem)).toEqual(fields);
    expect(problem.errors?.map((e) => e.message)).toEqual(fields.map(() => 'appears more than once'));
    expect(await storedAndSent()).toEqual(before);
  });

  it('refuses a repeated key in an admin action’s body too', async () => {
    const admin = system.as(await system.createClient('ops', true));
    const answer = await admin.call('POST', '/admin/gateway/acknowledge', {
      body: '{"reason":"checked the list","reason":"nothing"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(fieldsOf(expectProblem(answer, 400))).toEqual(['body.reason']);
  });

  it.each([
    ['a right-to-left override', 'invoice \u202e0001', /bidirectional controls \(U\+202E\)/],
    ['a right-to-left isolate', 'rent \u2067x', /bidirectional controls \(U\+2067\)/],
    ['an Arabic letter mark', 'rent\u061c', /bidirectional controls \(U\+061C\)/],
    ['a zero-width space', 'in\u200bvoice', /invisible characters \(U\+200B\)/],
    ['a word joiner', 'rent\u2060', /invisible characters \(U\+2060\)/],
    ['a byte order mark', '\ufeffrent', /invisible characters \(U\+FEFF\)/],
    ['an ANSI escape', '\u001b[2Jcleared', /control characters \(U\+001B\)/],
    ['a C1 control', 'rent\u0085', /control characters \(U\+0085\)/],
  ])('answers 422 naming memo for a memo with %s', async (_label, memo, message) => {
    const before = await storedAndSent();
    const problem = expectProblem(
      await client.post('/payments', { sender_account: '11112222', receiver_account: '33334440', amount: '1.00', memo }),
      422,
    );
    expect(problem.errors).toEqual([{ field: 'body.memo', message: expect.stringMatching(message) }]);
    expect(await storedAndSent()).toEqual(before);
  });

  it('describes what a memo may hold in the OpenAPI document', async () => {
    const doc = await client.get('/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.text).toMatch(/no bidirectional controls, no invisible characters/);
  });
});
