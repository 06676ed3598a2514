import { describe, expect, test } from 'vitest';
import { createLogCapture, logOnce } from '../testing/log-capture.js';
import { createLogger } from './logger.js';
import { requestLineWriter } from './request-line.js';

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
