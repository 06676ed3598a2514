import { createLogger } from '@pt/core';
import { createLogCapture, createTestDatabase, type TestDatabase } from '@pt/core/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadSyncerConfig } from './config.js';
import { createSyncerDeps, type SyncerDeps } from './deps.js';
import { createSyncer } from './syncer.js';

const unreachable = (what: string) => async (): Promise<never> => {
  throw new Error(`${what} unreachable`);
};

describe('a sync cycle', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.drop());

  test('runs each of its jobs when the others fail, and logs every failure the same way', async () => {
    const capture = createLogCapture();
    const logger = createLogger({ name: 'syncer', level: 'debug', destination: capture.stream });
    const real = createSyncerDeps(loadSyncerConfig({ DATABASE_URL: database.url, GATEWAY_URL: 'http://127.0.0.1:9' }), logger);
    let sweeps = 0;
    const deps: SyncerDeps = {
      ...real,
      gateway: { ...real.gateway, streamStatus: unreachable('gateway') },
      attempts: { ...real.attempts, expireInterruptedAttempts: unreachable('attempts table') },
      idempotency: {
        ...real.idempotency,
        deleteExpired: () => {
          sweeps++;
          return unreachable('idempotency table')();
        },
      },
    };
    const syncer = createSyncer(deps);
    try {
      await syncer.runCycle();
      await syncer.runCycle();
    } finally {
      await syncer.stop();
      await real.close();
    }
    await new Promise((resolve) => setImmediate(resolve));

    const errors = capture.lines
      .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message?: string } })
      .filter((line) => line.level >= 50)
      .map((line) => [line.msg, line.err?.message]);
    const cycle = [
      ['reconciliation failed; will retry next cycle', 'gateway unreachable'],
      ['re-submission failed; will retry next cycle', 'attempts table unreachable'],
      ['deleting expired idempotency keys failed; will retry next cycle', 'idempotency table unreachable'],
    ];
    expect(errors).toEqual([...cycle, ...cycle]);
    // A failed sweep is retried at the next cycle, not after the sweep interval.
    expect(sweeps).toBe(2);
  });

  test.each([
    ['sync', { reads: true, dispatches: false }],
    ['webhooks', { reads: false, dispatches: true }],
  ] as const)('SYNCER_JOBS=%s runs only its own loop', async (jobs, expected) => {
    const logger = createLogger({ name: 'syncer', level: 'silent', destination: createLogCapture().stream });
    const config = loadSyncerConfig({ DATABASE_URL: database.url, GATEWAY_URL: 'http://127.0.0.1:9', SYNCER_JOBS: jobs });
    const real = createSyncerDeps({ ...config, SYNCER_METRICS_PORT: 0 }, logger);
    const seen = { reads: false, dispatches: false };
    let ran: () => void = () => {};
    const started = new Promise<void>((resolve) => {
      ran = resolve;
    });
    const deps: SyncerDeps = {
      ...real,
      gateway: {
        ...real.gateway,
        streamStatus: () => {
          seen.reads = true;
          ran();
          return unreachable('gateway')();
        },
      },
      webhookDeliveries: {
        ...real.webhookDeliveries,
        fanOut: (...args) => {
          seen.dispatches = true;
          ran();
          return real.webhookDeliveries.fanOut(...args);
        },
      },
    };
    const syncer = createSyncer(deps);
    try {
      await syncer.start();
      await started; // one loop ran; both start at once, so the other would have by now
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await syncer.stop();
      await real.close();
    }
    expect(seen).toEqual(expected);
  });
});
