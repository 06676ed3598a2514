import { describe, expect, test } from 'vitest';
import { scanJson } from './json-scan.js';

describe('scanJson finds repeated keys', () => {
  test.each([
    ['a plain repeat', '{"amount":5000,"amount":1}', ['amount']],
    ['a repeat spelled with an escape', '{"amount":5000,"\\u0061mount":1}', ['amount']],
    ['a repeat spelled with an escaped slash', '{"a/b":1,"a\\/b":2}', ['a/b']],
    ['a repeat with the same value', '{"memo":"x","memo":"x"}', ['memo']],
    ['a key three times, named once', '{"a":1,"a":2,"a":3}', ['a']],
    ['every repeated key', '{"a":1,"b":2,"a":3,"b":4}', ['a', 'b']],
    ['a repeat inside a nested object', '{"payer":{"name":"x","name":"y"}}', ['payer.name']],
    ['a repeat inside an array item', '{"items":[{"id":1},{"id":2,"id":3}]}', ['items.1.id']],
    ['a repeat in an object inside a top-level array', '[{"a":1},[{"b":1,"b":2}]]', ['1.0.b']],
    ['a repeat after whitespace', ' {\n "a" : 1 ,\t"a":\r2 } ', ['a']],
  ])('%s', (_label, text, duplicates) => {
    expect(scanJson(text).duplicates).toEqual(duplicates);
  });

  test.each([
    ['distinct keys', '{"sender_account":"12345678","receiver_account":"87654321","amount":"1.00"}'],
    ['the same key in sibling objects', '{"a":{"id":1},"b":{"id":2}}'],
    ['the same key at two depths', '{"a":{"a":{"a":1}}}'],
    ['a key-like string value', '{"memo":"\\"amount\\":1","amount":2}'],
    ['keys that differ only in case', '{"Amount":1,"amount":2}'],
    ['quotes and backslashes in values', '{"a":"\\\\","b":"\\\\\\"","c":"\\"x\\""}'],
    ['an empty object and array', '{"a":{},"b":[]}'],
    ['strings that look like punctuation', '{"a":"{","b":"}","c":"[,:]"}'],
  ])('nothing in %s', (_label, text) => {
    expect(scanJson(text).duplicates).toEqual([]);
  });
});

describe('scanJson keeps the top-level amount as written', () => {
  test.each([
    ['{"amount":100.50}', '100.50'],
    ['{"amount": 1e2}', '1e2'],
    ['{"amount":\n-0.001 }', '-0.001'],
    ['{"amount":100.5000000000000001,"memo":"x"}', '100.5000000000000001'],
    ['{"memo":"amount","amount":7}', '7'],
  ])('%s → %s', (text, amountText) => {
    expect(scanJson(text).amountText).toBe(amountText);
  });

  test.each([
    ['a string amount', '{"amount":"100.50"}'],
    ['a nested amount only', '{"x":{"amount":5000}}'],
    ['an amount inside an array', '[{"amount":5000}]'],
    ['a null amount', '{"amount":null}'],
    ['no amount', '{"sender_account":"12345678"}'],
  ])('none for %s', (_label, text) => {
    expect(scanJson(text).amountText).toBeUndefined();
  });

  test('takes the top-level amount, not a nested one written after it', () => {
    expect(scanJson('{"amount":1,"x":{"amount":5000}}').amountText).toBe('1');
  });
});
