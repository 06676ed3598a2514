import type { PaymentResponse } from '@pt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, fieldsOf } from '../expect-problem.js';
import type { System } from '../harness.js';
import { ACME_ACCOUNT, type Client, paymentCount, startWithAcme, submitsReceived, validBody } from './fixtures.js';

/**
 * POST /payments: what it takes and what it turns away before anything is stored or sent (body
 * fields, JSON and its repeated keys, content type, size, Idempotency-Key). Its answers against the gateway and its
 * security cases: post-payments.test.ts.
 */

const ACCOUNTS = '"sender_account":"11112222","receiver_account":"33334440"';

describe('POST /payments', () => {
  describe('success', () => {
    describe('input at the bounds', () => {
      const valid = validBody('10.00');
      let system: System;
      let client: Client;

      beforeAll(async () => {
        // 123456: the shortest account number, for the bounds below.
        ({ system, client } = await startWithAcme({}, [ACME_ACCOUNT, '123456']));
      });
      afterAll(() => system?.stop());

      it.each([
        ['255 characters', 'y'.repeat(255)],
        ['accents and emoji', 'Café ☕ — invoice #42 🚀'],
      ])('accepts a memo of %s and stores it unchanged', async (_, memo) => {
        const answer = await client.post<PaymentResponse>('/payments', { ...valid, memo });
        expect(answer.status).toBe(201);
        expect(answer.body.memo).toBe(memo);
        expect((await client.get<PaymentResponse>(`/payments/${answer.body.id}`)).body.memo).toBe(memo);
      });

      it('accepts accounts at the length bounds', async () => {
        const answer = await client.post<PaymentResponse>('/payments', {
          ...valid,
          sender_account: '123456',
          receiver_account: '9'.repeat(34),
        });
        expect(answer.status).toBe(201);
        expect(answer.body.receiver_account).toBe('9'.repeat(34));
      });
    });

    describe('content type', () => {
      const valid = JSON.stringify(validBody('10.00'));
      let system: System;
      let client: Client;

      beforeAll(async () => {
        ({ system, client } = await startWithAcme({ env: { BODY_LIMIT_BYTES: '2048' } }));
      });
      afterAll(() => system?.stop());

      it('accepts application/json with a charset parameter', async () => {
        const answer = await client.call('POST', '/payments', {
          body: valid,
          headers: { 'content-type': 'application/json; charset=utf-8' },
        });
        expect(answer.status).toBe(201);
      });
    });
  });

  describe('errors', () => {
    describe('input validation', () => {
      const valid = validBody('10.00');
      let system: System;
      let client: Client;

      beforeAll(async () => {
        ({ system, client } = await startWithAcme());
      });
      afterAll(() => system?.stop());

      it('lists every bad field at once, unknown fields by name, and stores and sends nothing', async () => {
        const paymentsBefore = await paymentCount(system);
        const submitsBefore = await submitsReceived(system);
        const answer = await client.post('/payments', {
          sender_account: 'abc',
          receiver_account: 12345678,
          amount: '1,000.00',
          memo: 'bell\u0007',
          currency: 'EUR',
          client_id: 'someone-else',
        });
        const problem = expectProblem(answer, 422);
        expect(fieldsOf(problem)).toEqual([
          'body.amount',
          'body.client_id',
          'body.currency',
          'body.memo',
          'body.receiver_account',
          'body.sender_account',
        ]);
        for (const error of problem.errors ?? []) expect(error.message.length).toBeGreaterThan(0);
        expect(await paymentCount(system)).toBe(paymentsBefore);
        expect(await submitsReceived(system)).toBe(submitsBefore);
      });

      it('names every missing required field', async () => {
        const problem = expectProblem(await client.post('/payments', {}), 422);
        expect(fieldsOf(problem)).toEqual(['body.amount', 'body.receiver_account', 'body.sender_account']);
      });

      it('refuses a payment to the sending account itself', async () => {
        const problem = expectProblem(await client.post('/payments', { ...valid, receiver_account: valid.sender_account }), 422);
        expect(fieldsOf(problem)).toEqual(['body.receiver_account']);
      });

      it.each([
        ['a JSON array', '[]'],
        ['a JSON string', '"pay me"'],
        ['JSON null', 'null'],
        ['a number', '42'],
      ])('answers 422 for %s as the body', async (_, raw) => {
        const problem = expectProblem(
          await client.call('POST', '/payments', { body: raw, headers: { 'content-type': 'application/json' } }),
          422,
        );
        expect(problem.errors?.length).toBeGreaterThan(0);
      });

      it.each([
        ['zero', 0],
        ['zero as a string', '0.00'],
        ['a negative number', -1],
        ['a negative string', '-1.00'],
        ['negative zero', -0],
        ['three decimals', '100.001'],
        ['three decimals as a number', 100.001],
        ['an exponent string', '1e2'],
        ['an exponent number that JSON keeps', 1e21],
        ['a thousands separator', '1,000.00'],
        ['a leading space', ' 100'],
        ['a trailing space', '100 '],
        ['a plus sign', '+100'],
        ['a leading dot', '.5'],
        ['a trailing dot', '5.'],
        ['leading zeros', '007'],
        ['NaN', 'NaN'],
        ['Infinity', 'Infinity'],
        ['a float that lost precision', 0.1 + 0.2],
        ['more digits than a float carries', 12345678901234.56],
        ['more than the maximum', '1000000.01'],
        ['an empty string', ''],
        ['a boolean', true],
        ['null', null],
        ['an object', { value: 1 }],
      ])('rejects an amount that is %s with a message on body.amount', async (_, amount) => {
        const problem = expectProblem(await client.post('/payments', { ...valid, amount }), 422);
        expect(problem.errors).toEqual([{ field: 'body.amount', message: expect.any(String) }]);
      });

      it.each([
        ['letters', 'abcdefgh'],
        ['too short', '12345'],
        ['too long', '1'.repeat(35)],
        ['a number, not a string', 12345678],
        ['spaces', '1234 5678'],
        ['non-ASCII digits', '١٢٣٤٥٦٧٨'],
        ['a sign', '-12345678'],
        ['empty', ''],
      ])('rejects a sender account with %s', async (_, account) => {
        const problem = expectProblem(await client.post('/payments', { ...valid, sender_account: account }), 422);
        expect(fieldsOf(problem)).toEqual(['body.sender_account']);
      });

      it.each([
        ['longer than 255 characters', 'x'.repeat(256)],
        ['a newline', 'line\nbreak'],
        ['a NUL', 'nul\u0000'],
        ['a C1 control character', 'next\u0085line'],
        ['a lone surrogate', 'half \ud800'],
        ['a number', 42],
      ])('rejects a memo with %s', async (_, memo) => {
        const problem = expectProblem(await client.post('/payments', { ...valid, memo }), 422);
        expect(fieldsOf(problem)).toEqual(['body.memo']);
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
      ])('rejects a memo with %s, naming the character, and stores nothing', async (_, memo, message) => {
        const before = await paymentCount(system);
        const problem = expectProblem(await client.post('/payments', { ...valid, memo }), 422);
        expect(problem.errors).toEqual([{ field: 'body.memo', message: expect.stringMatching(message) }]);
        expect(await paymentCount(system)).toBe(before);
      });
    });

    describe('protocol-level errors are problem+json', () => {
      const valid = JSON.stringify(validBody('10.00'));
      let system: System;
      let client: Client;

      beforeAll(async () => {
        ({ system, client } = await startWithAcme({ env: { BODY_LIMIT_BYTES: '2048' } }));
      });
      afterAll(() => system?.stop());

      it.each([
        ['a truncated object', '{"sender_account": "11112222", '],
        ['a trailing comma', '{"amount": "1.00",}'],
        ['single quotes', "{'amount': '1.00'}"],
        ['plain text', 'hello'],
        ['a lone brace', '{'],
      ])('answers 400 for unparseable JSON: %s', async (_, raw) => {
        const problem = expectProblem(
          await client.call('POST', '/payments', { body: raw, headers: { 'content-type': 'application/json' } }),
          400,
        );
        expect(problem.detail).toMatch(/JSON/);
        // the body is not echoed back
        if (raw.length > 3) expect(JSON.stringify(problem)).not.toContain(raw);
      });

      it.each([
        ['an amount given twice, once through an escape', `{${ACCOUNTS},"amount":5000,"\\u0061mount":1}`, ['body.amount']],
        ['an amount given twice, as a number and a string', `{${ACCOUNTS},"amount":"1.00","amount":1}`, ['body.amount']],
        ['the same memo twice', `{${ACCOUNTS},"amount":"1.00","memo":"a","memo":"a"}`, ['body.memo']],
        [
          'both accounts twice',
          `{${ACCOUNTS},"amount":"1.00","sender_account":"99998888","receiver\\u005faccount":"77776660"}`,
          ['body.receiver_account', 'body.sender_account'],
        ],
      ])('answers 400 naming each repeated key, and stores and sends nothing: %s', async (_, raw, fields) => {
        // JSON readers disagree on which of two values counts: the first, the last, or neither.
        const before = await paymentCount(system);
        const submitsBefore = await submitsReceived(system);
        const problem = expectProblem(
          await client.call('POST', '/payments', { body: raw, headers: { 'content-type': 'application/json' } }),
          400,
        );
        expect(problem.type).toMatch(/\/duplicate-key$/);
        expect(fieldsOf(problem)).toEqual(fields);
        expect(problem.errors?.map((e) => e.message)).toEqual(fields.map(() => 'appears more than once'));
        expect(await paymentCount(system)).toBe(before);
        expect(await submitsReceived(system)).toBe(submitsBefore);
      });

      it('answers 400 for an empty JSON body', async () => {
        expectProblem(await client.call('POST', '/payments', { body: '', headers: { 'content-type': 'application/json' } }), 400);
      });

      it.each([
        ['text/plain', { 'content-type': 'text/plain' }],
        ['form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }],
        ['xml', { 'content-type': 'application/xml' }],
        ['a missing content-type', {}],
      ])('answers 415 for a body sent as %s, and stores nothing', async (_, headers) => {
        const before = await paymentCount(system);
        const problem = expectProblem(await client.call('POST', '/payments', { body: valid, headers }), 415);
        expect(problem.detail).toMatch(/application\/json/);
        expect(await paymentCount(system)).toBe(before);
      });

      it('answers 413 for a body over the configured limit, and stores nothing', async () => {
        const before = await paymentCount(system);
        const big = JSON.stringify({ ...JSON.parse(valid), memo: 'x'.repeat(4096) });
        expectProblem(
          await client.call('POST', '/payments', { body: big, headers: { 'content-type': 'application/json' } }),
          413,
        );
        expect(await paymentCount(system)).toBe(before);
      });
    });

    describe('the Idempotency-Key header', () => {
      const body = validBody('100.50');
      let system: System;
      let acme: Client;

      beforeAll(async () => {
        ({ system, client: acme } = await startWithAcme());
      });
      afterAll(() => system?.stop());

      it.each([
        ['longer than 255 characters', 'k'.repeat(256)],
        ['with a space', 'two words'],
        ['empty', ''],
      ])('answers 422 for a key %s', async (_, key) => {
        const problem = expectProblem(await acme.post('/payments', body, { 'idempotency-key': key }), 422);
        expect(fieldsOf(problem)).toEqual(['headers.idempotency-key']);
      });
    });
  });
});
