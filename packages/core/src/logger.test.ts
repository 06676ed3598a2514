import { describe, expect, it, test } from 'vitest';
import { createLogger, LineBatcher, maskAccount, requestLineWriter, scrubLogValue } from './logger.js';
import { createLogCapture } from './testing/log-capture.js';

describe('maskAccount', () => {
  test.each([
    ['123456789012', '********9012'],
    ['12345', '*2345'],
    ['1234', '****'],
    ['12', '**'],
    ['', ''],
  ])('%j → %j', (account, masked) => {
    expect(maskAccount(account)).toBe(masked);
  });
});

describe('scrubLogValue', () => {
  test('redacts secret fields at any depth, headers included', () => {
    const headers = Object.assign(Object.create(null) as Record<string, unknown>, {
      authorization: 'Bearer pt_x',
      'idempotency-key': 'k-1',
      accept: 'application/json',
    });
    expect(scrubLogValue({ req: { headers }, deep: { deeper: { password: 'hunter2', key: 'k' } } })).toEqual({
      req: { headers: { authorization: '[redacted]', 'idempotency-key': '[redacted]', accept: 'application/json' } },
      deep: { deeper: { password: '[redacted]', key: '[redacted]' } },
    });
  });

  test('leaves an absent secret absent', () => {
    expect(scrubLogValue({ apiKey: undefined, name: 'a' })).toEqual({ apiKey: undefined, name: 'a' });
  });

  test('masks account fields at any depth, in objects and arrays', () => {
    const input = {
      sender_account: '111122223333',
      payment: { receiver_account: '444455556666', memo: 'rent' },
      batch: [{ senderAccount: '777788889999' }, { receiverAccount: '000011112222', amount: '1.00' }],
    };
    expect(scrubLogValue(input)).toEqual({
      sender_account: '********3333',
      payment: { receiver_account: '********6666', memo: 'rent' },
      batch: [{ senderAccount: '********9999' }, { receiverAccount: '********2222', amount: '1.00' }],
    });
  });

  test('does not change its input', () => {
    const input = { sender_account: '111122223333' };
    scrubLogValue(input);
    expect(input.sender_account).toBe('111122223333');
  });

  test.each([
    ['null', null],
    ['a string', '111122223333'],
    ['a number', 42],
    ['undefined', undefined],
  ])('returns %s as it is', (_label, value) => {
    expect(scrubLogValue(value)).toBe(value);
  });

  test('passes an Error through untouched so its serializer still sees it', () => {
    const error = new Error('boom');
    expect(scrubLogValue({ err: error })).toEqual({ err: error });
    expect((scrubLogValue({ err: error }) as { err: unknown }).err).toBe(error);
  });

  test('passes a Date through untouched', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect((scrubLogValue({ at }) as { at: unknown }).at).toBe(at);
  });

  test('masks inside objects without a prototype', () => {
    const input = Object.assign(Object.create(null) as Record<string, unknown>, { sender_account: '111122223333' });
    expect(scrubLogValue(input)).toEqual({ sender_account: '********3333' });
  });
});

async function logOnce(write: (logger: ReturnType<typeof createLogger>) => void) {
  const capture = createLogCapture();
  const logger = createLogger({ name: 'test', destination: capture.stream });
  write(logger);
  await new Promise((resolve) => setImmediate(resolve));
  return capture;
}

describe('createLogger', () => {
  test('leaves neither a full account nor an API key in the output', async () => {
    const capture = await logOnce((logger) =>
      logger.info({ sender_account: '123456789012', req: { headers: { authorization: 'Bearer pt_x' } } }, 'payment received'),
    );
    const text = capture.text();
    expect(capture.lines).toHaveLength(1);
    expect(text).not.toContain('123456789012');
    expect(text).not.toContain('pt_x');
    const line = JSON.parse(capture.lines[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({
      msg: 'payment received',
      sender_account: '********9012',
      req: { headers: { authorization: '[redacted]' } },
    });
  });

  test.each([
    ['an idempotency key header', { req: { headers: { 'idempotency-key': 'secret-key-1' } } }, 'secret-key-1'],
    ['an apiKey', { apiKey: 'pt_secret' }, 'pt_secret'],
    ['a nested apiKey', { client: { apiKey: 'pt_secret' } }, 'pt_secret'],
    ['a password', { password: 'hunter2' }, 'hunter2'],
    ['a database URL', { databaseUrl: 'postgres://u:p@h/db' }, 'postgres://'],
    ['a nested receiver account', { payment: { receiver_account: '999988887777' } }, '999988887777'],
  ])('redacts %s', async (_label, fields, secret) => {
    const capture = await logOnce((logger) => logger.info(fields, 'something'));
    expect(capture.lines).toHaveLength(1);
    expect(capture.text()).not.toContain(secret);
  });

  test('redacts secrets and masks accounts in an error’s own fields', async () => {
    const error = Object.assign(new Error('gateway said no'), { password: 'hunter2', sender_account: '123456789012' });
    const capture = await logOnce((logger) => logger.error({ err: error }, 'failed'));
    const text = capture.text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('123456789012');
    expect(JSON.parse(capture.lines[0] ?? '{}')).toMatchObject({
      err: { message: 'gateway said no', password: '[redacted]', sender_account: '********9012', type: 'Error' },
    });
  });

  test('redacts secrets in a child logger’s bindings', async () => {
    const capture = await logOnce((logger) => {
      logger.child({ apiKey: 'pt_secret', reqId: 'r-1' }).info('hello');
      logger.child({ reqId: 'r-2' }, {}).child({ password: 'hunter2' }).info('nested');
    });
    expect(capture.text()).not.toContain('pt_secret');
    expect(capture.text()).not.toContain('hunter2');
    expect(JSON.parse(capture.lines[0] ?? '{}')).toMatchObject({ reqId: 'r-1', apiKey: '[redacted]' });
  });

  test('keeps an error message and stack', async () => {
    const capture = await logOnce((logger) => {
      logger.error({ err: new Error('boom in the cycle') }, 'cycle failed');
      logger.error(new Error('thrown directly'));
    });
    const [first, second] = capture.lines.map((line) => JSON.parse(line) as { err?: { message?: string; stack?: string } });
    expect(first?.err?.message).toBe('boom in the cycle');
    expect(first?.err?.stack).toContain('boom in the cycle');
    expect(second?.err?.message).toBe('thrown directly');
  });

  test('writes a Date as its ISO string', async () => {
    const capture = await logOnce((logger) => logger.info({ at: new Date('2026-01-01T00:00:00Z') }, 'dated'));
    expect(JSON.parse(capture.lines[0] ?? '{}')).toMatchObject({ at: '2026-01-01T00:00:00.000Z' });
  });

  test('honours the level', async () => {
    const capture = createLogCapture();
    const logger = createLogger({ name: 'quiet', level: 'warn', destination: capture.stream });
    logger.info('hidden');
    logger.warn('shown');
    await new Promise((resolve) => setImmediate(resolve));
    expect(capture.lines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['shown']);
  });
});

describe('scrubLogValue copies only what it changes', () => {
  test('returns an object without accounts as it is', () => {
    const line = { method: 'GET', path: '/payments', nested: { statusCode: 200 } };
    expect(scrubLogValue(line)).toBe(line);
  });

  test('never changes the caller’s object when it masks', () => {
    const payment = { id: 'p1', sender_account: '123456789012', nested: [{ receiver_account: '998877665544' }] };
    const masked = scrubLogValue(payment) as typeof payment;
    expect(masked).not.toBe(payment);
    expect(masked.sender_account).toBe('********9012');
    expect(masked.nested[0]?.receiver_account).toBe('********5544');
    expect(payment.sender_account).toBe('123456789012');
    expect(payment.nested[0]?.receiver_account).toBe('998877665544');
  });
});

describe('requestLineWriter', () => {
  const withoutTime = (line: string | undefined) => line?.replace(/"time":\d+,/, '"time":0,');

  test.each([
    ['a plain request', { reqId: 'abc-1', method: 'GET', path: '/payments/0193', statusCode: 200, responseTime: 1.5 }],
    [
      'a path that needs escaping',
      { reqId: 'r.2', method: 'DELETE', path: '/x/"quoted"\\\n/é', statusCode: 404, responseTime: 0 },
    ],
  ])('writes the bytes pino writes for %s', async (_label, line) => {
    const capture = await logOnce((logger) => {
      requestLineWriter(logger)(line);
      const { reqId, ...fields } = line;
      logger.child({ reqId }).info(fields, 'request completed');
    });
    expect(capture.lines).toHaveLength(2);
    expect(withoutTime(capture.lines[0])).toBe(withoutTime(capture.lines[1]));
    expect(JSON.parse(capture.lines[0] ?? '{}')).toMatchObject({ ...line, name: 'test', msg: 'request completed' });
  });

  test('honours the level, as the logger has it when the line is written', async () => {
    const capture = createLogCapture();
    const logger = createLogger({ name: 'quiet', level: 'warn', destination: capture.stream });
    const write = requestLineWriter(logger);
    write({ reqId: 'a', method: 'GET', path: '/', statusCode: 200, responseTime: 1 });
    logger.level = 'info';
    write({ reqId: 'b', method: 'GET', path: '/', statusCode: 200, responseTime: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(capture.lines.map((line) => (JSON.parse(line) as { reqId: string }).reqId)).toEqual(['b']);
  });
});

describe('LineBatcher', () => {
  it('holds lines until they reach the batch size, then writes them as one chunk, in order', () => {
    const chunks: string[] = [];
    const batcher = new LineBatcher({ write: (chunk) => chunks.push(chunk) }, 20, 60_000);
    batcher.write('{"a":1}\n');
    batcher.write('{"b":2}\n');
    expect(chunks).toEqual([]);
    batcher.write('{"c":3}\n');
    expect(chunks).toEqual(['{"a":1}\n{"b":2}\n{"c":3}\n']);
    batcher.write('{"d":4}\n');
    batcher.flush();
    batcher.flush();
    expect(chunks).toEqual(['{"a":1}\n{"b":2}\n{"c":3}\n', '{"d":4}\n']);
  });

  it('writes a lone line after at most its delay', async () => {
    const chunks: string[] = [];
    const batcher = new LineBatcher({ write: (chunk) => chunks.push(chunk) }, 4096, 20);
    batcher.write('{"quiet":true}\n');
    expect(chunks).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(chunks).toEqual(['{"quiet":true}\n']);
  });
});
