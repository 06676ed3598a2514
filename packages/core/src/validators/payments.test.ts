import { describe, expect, test } from 'vitest';
import { createPaymentBodySchema } from './payments.js';

const schema = createPaymentBodySchema(100_000_000n); // at most 1,000,000.00
const valid = { sender_account: '12345678', receiver_account: '87654321', amount: '100.50' };

function issuesByField(body: unknown): Record<string, string[]> {
  const result = schema.safeParse(body);
  if (result.success) return {};
  const byField: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const fields = issue.code === 'unrecognized_keys' ? issue.keys : [issue.path.join('.')];
    for (const field of fields) byField[field] = [...(byField[field] ?? []), issue.message];
  }
  return byField;
}

describe('createPaymentBodySchema accepts', () => {
  test.each([
    ['a string amount', valid, { ...valid, amount: '100.50' }],
    ['a number amount, normalised to two decimals', { ...valid, amount: 100.5 }, { ...valid, amount: '100.50' }],
    ['an integer amount', { ...valid, amount: 7 }, { ...valid, amount: '7.00' }],
    ['the maximum amount', { ...valid, amount: '1000000.00' }, { ...valid, amount: '1000000.00' }],
    ['a null memo', { ...valid, memo: null }, { ...valid, memo: null }],
    ['a memo', { ...valid, memo: 'Rent for März — 🏠' }, { ...valid, memo: 'Rent for März — 🏠' }],
    ['a memo of 255 characters', { ...valid, memo: 'm'.repeat(255) }, { ...valid, memo: 'm'.repeat(255) }],
    ['an empty memo', { ...valid, memo: '' }, { ...valid, memo: '' }],
    ['accounts of 6 and 34 digits', { ...valid, sender_account: '123456', receiver_account: '1'.repeat(34) }, null],
  ])('%s', (_label, body, expected) => {
    const result = schema.safeParse(body);
    expect(result.error?.issues).toBeUndefined();
    expect(result.data).toEqual(expected ?? body);
  });

  test('an absent memo stays absent', () => {
    expect(schema.parse(valid)).not.toHaveProperty('memo');
  });
});

describe('createPaymentBodySchema rejects', () => {
  test('lists an issue for every bad field at once', () => {
    const issues = issuesByField({
      sender_account: '1234567a',
      receiver_account: '123',
      amount: '1.001',
      memo: 'x'.repeat(256),
      foo: 1,
    });
    expect(Object.keys(issues).sort()).toEqual(['amount', 'foo', 'memo', 'receiver_account', 'sender_account']);
    expect(issues.sender_account).toEqual([expect.stringMatching(/digits only/)]);
    expect(issues.receiver_account).toEqual([expect.stringMatching(/at least 6/)]);
    expect(issues.amount).toEqual([expect.stringMatching(/places/)]);
    expect(issues.memo).toEqual([expect.stringMatching(/at most 255/)]);
  });

  test('names the same sender and receiver on receiver_account, alongside other bad fields', () => {
    const issues = issuesByField({ ...valid, receiver_account: valid.sender_account, amount: 0, memo: 'a\nb', foo: 1 });
    expect(Object.keys(issues).sort()).toEqual(['amount', 'foo', 'memo', 'receiver_account']);
    expect(issues.receiver_account).toEqual([expect.stringMatching(/differ from sender_account/)]);
  });

  test('does not compare accounts that are themselves invalid', () => {
    const issues = issuesByField({ ...valid, sender_account: 'abc', receiver_account: 'abc' });
    expect(issues.receiver_account).not.toContainEqual(expect.stringMatching(/differ/));
  });

  test.each([
    ['a non-digit account', { sender_account: '1234-5678' }, 'sender_account', /digits only/],
    ['a too short account', { receiver_account: '12345' }, 'receiver_account', /at least 6/],
    ['a too long account', { sender_account: '1'.repeat(35) }, 'sender_account', /at most 34/],
    ['a numeric account', { sender_account: 12345678 }, 'sender_account', /string/],
    ['a missing account', { receiver_account: undefined }, 'receiver_account', /string/],
    ['the same accounts', { receiver_account: valid.sender_account }, 'receiver_account', /differ/],
    ['a memo with a newline', { memo: 'line\nbreak' }, 'memo', /control/],
    ['a memo with a tab', { memo: 'a\tb' }, 'memo', /control/],
    ['a memo with BEL', { memo: 'ring\u0007' }, 'memo', /control/],
    ['a memo with DEL', { memo: 'x\u007f' }, 'memo', /control/],
    ['a memo with a C1 CSI', { memo: 'x\u009b31m' }, 'memo', /control/],
    ['a memo with a lone surrogate', { memo: 'bad \ud800 text' }, 'memo', /Unicode/],
    ['a memo with a right-to-left override', { memo: 'invoice \u202e24' }, 'memo', /bidirectional controls \(U\+202E\)/],
    ['a memo with a left-to-right isolate', { memo: '\u2066rent' }, 'memo', /bidirectional controls \(U\+2066\)/],
    ['a memo with a zero-width space', { memo: 'in\u200bvoice' }, 'memo', /invisible characters \(U\+200B\)/],
    ['a memo with a zero-width joiner', { memo: 'a\u200db' }, 'memo', /invisible characters \(U\+200D\)/],
    ['a memo with a byte order mark', { memo: '\ufeffrent' }, 'memo', /invisible characters \(U\+FEFF\)/],
    ['a memo of 256 characters', { memo: 'm'.repeat(256) }, 'memo', /at most 255/],
    ['a numeric memo', { memo: 5 }, 'memo', /string/],
    ['a zero amount', { amount: 0 }, 'amount', /greater/],
    ['a negative amount', { amount: '-1.00' }, 'amount', /greater/],
    ['an amount over the maximum', { amount: '1000000.01' }, 'amount', /at most/],
    ['an amount with an exponent', { amount: '1e3' }, 'amount', /decimal/],
    ['a boolean amount', { amount: true }, 'amount', /.+/],
    ['a missing amount', { amount: undefined }, 'amount', /.+/],
    ['an unknown field', { foo: 'bar' }, 'foo', /.+/],
  ])('%s', (_label, change, field, message) => {
    const issues = issuesByField({ ...valid, ...change });
    expect(Object.keys(issues)).toEqual([field]);
    expect(issues[field]?.join('; ')).toMatch(message);
  });

  test('names each unknown field', () => {
    expect(Object.keys(issuesByField({ ...valid, foo: 1, bar: 2 })).sort()).toEqual(['bar', 'foo']);
  });

  test.each([
    ['null', null],
    ['an array', [valid]],
    ['a string', 'hello'],
  ])('refuses %s as the body without throwing', (_label, body) => {
    expect(schema.safeParse(body).success).toBe(false);
  });

  test('refuses an empty object with an issue for each required field', () => {
    expect(Object.keys(issuesByField({})).sort()).toEqual(['amount', 'receiver_account', 'sender_account']);
  });
});
