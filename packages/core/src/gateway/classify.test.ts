import { describe, expect, test } from 'vitest';
import { classifyNetworkError, classifyStatusCode, errorCode } from './classify.js';

describe('classifyStatusCode', () => {
  test.each([
    [200, 'ok'],
    [201, 'ok'],
    [204, 'ok'],
    [299, 'ok'],
    [429, 'not_delivered'],
    [408, 'not_delivered'],
    [400, 'rejected'],
    [401, 'rejected'],
    [403, 'rejected'],
    [404, 'rejected'],
    [409, 'rejected'],
    [413, 'rejected'],
    [422, 'rejected'],
    [499, 'rejected'],
    [500, 'ambiguous'],
    [501, 'ambiguous'],
    [502, 'ambiguous'],
    [503, 'ambiguous'],
    [504, 'ambiguous'],
    [599, 'ambiguous'],
    [301, 'ambiguous'],
    [304, 'ambiguous'],
    [100, 'ambiguous'],
    [0, 'ambiguous'],
  ] as const)('%i is %s', (statusCode, kind) => {
    expect(classifyStatusCode(statusCode)).toBe(kind);
  });
});

function withCode(code: string, message = `failed with ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

function named(name: string): Error {
  const error = new Error(`${name} happened`);
  error.name = name;
  return error;
}

describe('classifyNetworkError', () => {
  test.each([
    ['ECONNREFUSED', 'not_delivered'],
    ['ENOTFOUND', 'not_delivered'],
    ['EAI_AGAIN', 'not_delivered'],
    ['EHOSTUNREACH', 'not_delivered'],
    ['ENETUNREACH', 'not_delivered'],
    ['UND_ERR_CONNECT_TIMEOUT', 'not_delivered'],
    ['ECONNRESET', 'ambiguous'],
    ['EPIPE', 'ambiguous'],
    ['ETIMEDOUT', 'ambiguous'],
    ['UND_ERR_SOCKET', 'ambiguous'],
    ['UND_ERR_HEADERS_TIMEOUT', 'ambiguous'],
    ['UND_ERR_BODY_TIMEOUT', 'ambiguous'],
    ['UND_ERR_ABORTED', 'ambiguous'],
    ['SOMETHING_NEW', 'ambiguous'],
  ] as const)('an error with code %s is %s', (code, kind) => {
    expect(classifyNetworkError(withCode(code))).toBe(kind);
  });

  test.each([
    ['an AbortError', named('AbortError')],
    ['a TimeoutError', named('TimeoutError')],
    ['a DOMException AbortError (numeric code)', new DOMException('aborted', 'AbortError')],
    ['an Error without a code', new Error('socket hang up')],
    ['a string', 'ECONNREFUSED'],
    ['null', null],
    ['undefined', undefined],
    ['a numeric code', { code: 111 }],
  ])('%s is ambiguous', (_label, error) => {
    expect(classifyNetworkError(error)).toBe('ambiguous');
  });

  test('finds a code nested in cause', () => {
    const wrapped = new TypeError('fetch failed', { cause: withCode('ECONNREFUSED') });
    expect(classifyNetworkError(wrapped)).toBe('not_delivered');
    expect(classifyNetworkError(new Error('outer', { cause: new Error('middle', { cause: withCode('ECONNRESET') }) }))).toBe(
      'ambiguous',
    );
  });

  test('the outermost code wins over a deeper one', () => {
    const error = Object.assign(new Error('socket closed', { cause: withCode('ECONNREFUSED') }), { code: 'UND_ERR_SOCKET' });
    expect(classifyNetworkError(error)).toBe('ambiguous');
  });

  test('stops walking a cause chain that loops', () => {
    const first = new Error('first') as Error & { cause?: unknown };
    const second = new Error('second', { cause: first });
    first.cause = second;
    expect(errorCode(first)).toBeUndefined();
    expect(classifyNetworkError(first)).toBe('ambiguous');
  });
});
