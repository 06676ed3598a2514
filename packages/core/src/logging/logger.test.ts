import { describe, expect, test } from 'vitest';
import { createLogCapture, logOnce } from '../testing/log-capture.js';
import { createLogger } from './logger.js';

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

  test('masks an account bound to a grandchild logger, and logs the child’s own fields as given', async () => {
    const capture = await logOnce((logger) => {
      logger.child({ reqId: 'r-3' }).child({ sender_account: '123456789012', paymentId: 'p-1' }).info('bound');
    });
    expect(capture.text()).not.toContain('123456789012');
    expect(JSON.parse(capture.lines[0] ?? '{}')).toMatchObject({
      reqId: 'r-3',
      paymentId: 'p-1',
      sender_account: '********9012',
    });
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

  test('writes an err that is not an Error as it is', async () => {
    const capture = await logOnce((logger) => logger.warn({ err: 'connect ECONNREFUSED 127.0.0.1:9' }, 'GET /status failed'));
    expect(JSON.parse(capture.lines[0] ?? '{}')).toMatchObject({ err: 'connect ECONNREFUSED 127.0.0.1:9' });
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
