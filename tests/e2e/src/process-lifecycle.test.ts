import { freePort } from '@pt/core';
import { createTestDatabase, type TestDatabase } from '@pt/core/testing';
import { type RunningGatewayMock, startGatewayMock } from '@pt/gateway-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './harness.js';
import { spawnApp } from './processes.js';

describe('api and syncer as processes', () => {
  let database: TestDatabase;
  let mock: RunningGatewayMock;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    mock = await startGatewayMock({ delaySeconds: 0.2 });
    env = { DATABASE_URL: database.url, GATEWAY_URL: mock.url, SYNC_INTERVAL_MS: '100', LOG_LEVEL: 'debug' };
  });
  afterAll(async () => {
    await mock?.close();
    await database?.drop();
  });

  it('stop cleanly on SIGTERM and exit 0', async () => {
    const port = await freePort();
    const api = await spawnApp('api', { ...env, API_PORT: String(port) }, `http://127.0.0.1:${port}/healthz`);
    const syncer = await spawnApp('syncer', env);
    // let the syncer start and run a few cycles first
    await eventually(async () => (syncer.lines.some((line) => line.includes('reconciled with gateway')) ? true : undefined), {
      what: 'a syncer cycle',
    });
    expect(await api.stop()).toBe(0);
    expect(await syncer.stop()).toBe(0);
    expect(syncer.lines.join('\n')).toMatch(/finishing the cycle in progress, then stopping/);
  });

  it.each([
    ['api', { API_PORT: 'eighty' }, /API_PORT/],
    ['api', { DATABASE_URL: '' }, /DATABASE_URL: is required/],
    ['syncer', { SYNC_INTERVAL_MS: '-5' }, /SYNC_INTERVAL_MS/],
    ['syncer', { SYNC_MIN_PAUSE_MS: '-1' }, /SYNC_MIN_PAUSE_MS/],
    ['syncer', { GATEWAY_URL: 'not a url' }, /GATEWAY_URL: must be a URL/],
  ] as const)('%s refuses to start on a bad variable, naming it (%o)', async (kind, bad, message) => {
    const app = await spawnApp(kind, { ...env, ...bad });
    expect(await new Promise((resolve) => app.child.once('exit', resolve))).toBe(1);
    expect(app.lines.join('\n')).toMatch(message);
    expect(app.lines.join('\n')).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });
});
