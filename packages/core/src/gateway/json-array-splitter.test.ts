import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { JsonArraySplitter, type JsonArraySplitterOptions, MalformedJsonArray } from './json-array-splitter.js';

/** Feeds `bytes` in chunks of the given sizes (cycled); answers every element handed out, in order. */
function split(bytes: Uint8Array, chunkSizes: number[], options?: JsonArraySplitterOptions): unknown[] {
  const splitter = new JsonArraySplitter(options);
  const out: unknown[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = Math.max(1, chunkSizes[i % chunkSizes.length] as number);
    const batch = splitter.push(bytes.subarray(at, at + size));
    if (batch) out.push(...batch);
    at += size;
  }
  splitter.end();
  return out;
}

/** Like split, but keeps what was handed out before an error, and the error. */
function splitUntilError(text: string, chunkSize: number, options?: JsonArraySplitterOptions) {
  const handedOut: unknown[] = [];
  const splitter = new JsonArraySplitter(options);
  const bytes = Buffer.from(text);
  try {
    for (let at = 0; at < bytes.length; at += chunkSize) {
      const batch = splitter.push(bytes.subarray(at, at + chunkSize));
      if (batch) handedOut.push(...batch);
    }
    splitter.end();
  } catch (error) {
    return { handedOut, error };
  }
  return { handedOut, error: undefined };
}

const tricky = `[
  {"confirmation_id":"a\\"b","status":"settled","memo":"} ] , { ["},
  {"confirmation_id":"c\\\\","status":"pending","nested":{"list":[1,[2,{"x":"]"}]],"empty":{}}},
  {"confirmation_id":"é😀漢字","status":"failed","escaped":"\\u00e9\\n\\t\\/"},
  "a string, with a comma]",
  12.5e-3, -0, true, false, null, [], {}, [[]],
  {"deep":[[[[{"a":[{"b":"\\\\\\""}]}]]]]}
]
`;

/** Characters that mean something to the scan, and multi-byte ones: strings made of these test it hardest. */
const structural = fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', ' ', '\n', 'a', 'é', '😀', '\u2028');

describe('JsonArraySplitter', () => {
  test('hands out exactly what JSON.parse reads, at every chunk size (escaped quotes, braces in strings, UTF-8, nesting)', () => {
    const bytes = Buffer.from(tricky);
    const expected = JSON.parse(tricky);
    for (let size = 1; size <= bytes.length; size++) {
      expect(split(bytes, [size])).toEqual(expected);
      expect(split(bytes, [size], { batchBytes: 1 })).toEqual(expected);
    }
  });

  test('a multi-byte character split between two chunks at each of its bytes', () => {
    const text = '[{"memo":"😀"},"漢"]';
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(split(bytes, [cut, bytes.length])).toEqual(JSON.parse(text));
    }
  });

  test('generated arrays, any whitespace, any chunking, any batch size: the same as JSON.parse', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.jsonValue({ stringUnit: 'binary' }), fc.jsonValue({ stringUnit: structural })), { maxLength: 40 }),
        fc.constantFrom(undefined, 0, 1, 2, '\t', ' \r\n '),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 256 }),
        (values, space, chunkSizes, batchBytes) => {
          const text = JSON.stringify(values, null, space);
          expect(split(Buffer.from(text), chunkSizes, { batchBytes })).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 500 },
    );
  });

  test('hands out whole elements before the array ends, a batch at a time', () => {
    const entries = Array.from({ length: 1000 }, (_, i) => ({ confirmation_id: `c-${i}`, status: 'settled' }));
    const bytes = Buffer.from(JSON.stringify(entries));
    const splitter = new JsonArraySplitter({ batchBytes: 4096 });
    const batches: unknown[][] = [];
    for (let at = 0; at < bytes.length; at += 1000) {
      const batch = splitter.push(bytes.subarray(at, at + 1000));
      if (batch) batches.push(batch);
    }
    splitter.end();
    expect(batches.length).toBeGreaterThan(5);
    expect(batches.flat()).toEqual(entries);
    // each batch is about batchBytes of elements plus at most one chunk
    for (const batch of batches.slice(0, -1)) expect(JSON.stringify(batch).length).toBeLessThan(4096 + 1000 + 100);
  });

  test('elements that are not objects are handed out as they are', () => {
    expect(split(Buffer.from('[1, "two", null, [3], {"four": 4}]'), [3])).toEqual([1, 'two', null, [3], { four: 4 }]);
  });

  test.each([
    ['an empty array', '[]', []],
    ['an empty array with whitespace', ' \n[ \n ]\n ', []],
  ])('%s', (_name, text, expected) => {
    expect(split(Buffer.from(text), [1])).toEqual(expected);
  });

  test.each([
    ['an array that never closes', '[{"a":1},{"b":2},{"c":', /never closed \(after 2 elements\)/],
    ['an array cut after a comma', '[{"a":1},', /never closed/],
    ['an empty body', '', /empty/],
    ['whitespace only', '  \n ', /empty/],
    ['an object instead of an array', '{"a":[1,2]}', /not a JSON array/],
    ['text after the array', '[1,2] [3]', /goes on after its array/],
    ['an empty element', '[1,,2]', /element 2 is empty/],
    ['a trailing comma', '[1,2,]', /element 3 is empty/],
    ['a leading comma', '[,1]', /element 1 is empty/],
    ['a malformed element', '[{"a":1},{"b":tru},{"c":3}]', /elements 1-3 are not valid JSON/],
    ['two elements without a comma', '[{"a":1}{"b":2}]', /not valid JSON/],
    ['a stray closing brace', '[1},2]', /not valid JSON/],
  ])('refuses %s', (_name, text, message) => {
    for (const chunkSize of [1, 3, 1000]) {
      const { error } = splitUntilError(text, chunkSize);
      expect(error).toBeInstanceOf(MalformedJsonArray);
      expect((error as Error).message).toMatch(message);
    }
  });

  test('a malformed element fails its batch only: the batches before it were handed out', () => {
    const good = Array.from({ length: 50 }, (_, i) => ({ n: i }));
    const text = `${JSON.stringify(good).slice(0, -1)},{"n":oops}]`;
    const { handedOut, error } = splitUntilError(text, 16, { batchBytes: 64 });
    expect(error).toBeInstanceOf(MalformedJsonArray);
    expect((error as Error).message).toMatch(/elements \d+-51 are not valid JSON/);
    expect(handedOut.length).toBeGreaterThan(40);
    expect(handedOut).toEqual(good.slice(0, handedOut.length));
  });

  test('an element longer than maxElementBytes fails the read instead of filling memory', () => {
    const text = `[{"a":1},{"memo":"${'x'.repeat(5000)}"}]`;
    const { handedOut, error } = splitUntilError(text, 512, { maxElementBytes: 1024, batchBytes: 1 });
    expect((error as Error).message).toMatch(/element 2 is longer than 1024 bytes/);
    expect(handedOut).toEqual([{ a: 1 }]);
  });

  test('account-like digits in a malformed element stay out of the message', () => {
    const { error } = splitUntilError('[{"acct":12345678901x}]', 100);
    expect((error as Error).message).not.toContain('12345678901');
  });
});
