import { appendFileSync } from 'node:fs';
import { buildApp, createApiDeps, loadApiConfig } from '@pt/api';
import type { PaymentTrackerClient } from '@pt/client';
import { createLogger, type PaymentResponse } from '@pt/core';
import { createLogCapture } from '@pt/core/testing';
import { expect } from 'vitest';
import { type System, type SystemOptions, startSystem } from '../harness.js';
import { counts } from '../hostile-input.js';
import type { App } from '../inject.js';
import { createSixPayments } from './six-payments.js';

/** Shared set-ups of the route tests. Each client gets accounts of its own: an account has one owner. */

export type Client = ReturnType<System['as']>;

/** acme's sender account, and globex's. */
export const ACME_ACCOUNT = '11112222';
export const GLOBEX_ACCOUNT = '55556666';

/** A body POST /payments takes from acme (sender ACME_ACCOUNT), for the given amount. */
export function validBody(amount: string) {
  return { sender_account: ACME_ACCOUNT, receiver_account: '33334440', amount };
}

/**
 * A system without a syncer (unless `options` say otherwise) and client acme, sending from
 * `accounts`: `client` as raw HTTP, `api` the typed client.
 */
export async function startWithAcme(
  options: SystemOptions = {},
  accounts: readonly string[] = [ACME_ACCOUNT],
): Promise<{ system: System; client: Client; api: PaymentTrackerClient }> {
  const system = await startSystem({ startSyncer: false, ...options });
  const key = await system.createClient('acme', false, { accounts });
  return { system, client: system.as(key), api: system.client(key) };
}

/** startWithAcme with a 0.3 s gateway delay, and createSixPayments' six payments pushed to `created`. */
export async function startWithSixPayments(created: PaymentResponse[]) {
  const started = await startWithAcme({ delaySeconds: 0.3 });
  await createSixPayments(started.system, started.api, created);
  return started;
}

/**
 * A system without a syncer and two tenants: acme (ACME_ACCOUNT) with `acmePaymentCount` payments
 * of 12.34 memo'd `acme {i}`, each answered 201, and globex (GLOBEX_ACCOUNT) with none.
 */
export async function twoTenants(acmePaymentCount = 0) {
  const { system, client: acme, api: acmeApi } = await startWithAcme();
  const globexKey = await system.createClient('globex', false, { accounts: [GLOBEX_ACCOUNT] });
  const globex = system.as(globexKey);
  const acmePayments: PaymentResponse[] = [];
  for (let i = 0; i < acmePaymentCount; i++) {
    const created = await acmeApi.POST('/payments', { body: { ...validBody('12.34'), memo: `acme ${i}` } });
    expect(created.response.status).toBe(201);
    if (created.data) acmePayments.push(created.data);
  }
  return { system, acme, acmeApi, globex, globexApi: system.client(globexKey), acmePayments };
}

/** How many payments the system has stored. */
export async function paymentCount(system: System): Promise<number> {
  const [row] = await system.sql`SELECT count(*)::int AS n FROM payments`;
  return row?.n as number;
}

/** How many submits the gateway mock has received so far. */
export async function submitsReceived(system: System): Promise<number> {
  return ((await (await fetch(`${system.mock.url}/__mock/stats`)).json()) as { submits_received: number }).submits_received;
}

/** The hostile-input tests' account (client fuzz's one). */
export const FUZZ_ACCOUNT = '12345678';

/**
 * The generated-input tests' system: client fuzz (FUZZ_ACCOUNT) and admin fuzz-ops as Authorization
 * values, and one payment of fuzz's to aim routes at.
 */
export async function startFuzzSystem() {
  const system = await startSystem({ startSyncer: false });
  const auth = `Bearer ${await system.createClient('fuzz', false, { accounts: [FUZZ_ACCOUNT] })}`;
  const adminAuth = `Bearer ${await system.createClient('fuzz-ops', true)}`;
  const created = await system.app.inject({
    method: 'POST',
    url: '/payments',
    headers: { authorization: auth, 'content-type': 'application/json' },
    payload: { sender_account: FUZZ_ACCOUNT, receiver_account: '87654321', amount: '1.00' },
  });
  const paymentId: string = JSON.parse(created.body).id;
  return { system, auth, adminAuth, paymentId };
}

/** After generated-input tests: appends their answer counts to the hostile report, then stops the system. */
export async function reportAndStop(system: System | undefined) {
  appendFileSync(process.env.HOSTILE_REPORT ?? '/tmp/hostile-report.txt', `${JSON.stringify(counts)}\n`);
  await system?.stop();
}

/** An API (no listener, no gateway) whose database at `databaseUrl` is away; its logs are captured, not printed. */
export async function appWithoutDatabase(databaseUrl = 'postgres://nobody:secret@127.0.0.1:1/none'): Promise<App> {
  const logs = createLogCapture();
  const config = loadApiConfig({
    DATABASE_URL: databaseUrl,
    GATEWAY_URL: 'http://127.0.0.1:1',
    AUTH_CACHE_TTL_MS: '0',
    RATE_LIMIT_MAX: '0',
  });
  return buildApp(createApiDeps(config, createLogger({ name: 'api', level: 'debug', destination: logs.stream })));
}

/** Closes an API from appWithoutDatabase and its pools. */
export async function closeApp(app: App | undefined) {
  await app?.close();
  await app?.deps.close();
}
