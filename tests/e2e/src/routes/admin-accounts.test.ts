import type { PaymentTrackerClient } from '@pt/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientAnswer, expectProblem, fieldsOf } from '../expect-problem.js';
import { type System, startSystem } from '../harness.js';

/**
 * The sender accounts each client may send payments from (/admin/clients/{name}/accounts),
 * admin keys only. What the 403 of POST /payments does: post-payments-accounts.test.ts.
 * Well-formed calls go through the typed client (`opsApi`), malformed ones as raw HTTP (`ops`).
 */

type Client = ReturnType<System['as']>;

// One system for the file's tests, which run in order.
let system: System;
let ops: Client;
let opsApi: PaymentTrackerClient;
let opsKeyId: string;

beforeAll(async () => {
  system = await startSystem({ startSyncer: false });
  await system.createClient('acme');
  await system.createClient('globex');
  const opsKey = await system.createClient('ops', true);
  opsKeyId = opsKey.split('_')[1] ?? '';
  ops = system.as(opsKey);
  opsApi = system.client(opsKey);
});

const ofClient = (name: string) => ({ params: { path: { name } } });
const register = (name: string, account: string) =>
  opsApi.POST('/admin/clients/{name}/accounts', { ...ofClient(name), body: { account } });
const accountsOf = async (name: string) =>
  ((await opsApi.GET('/admin/clients/{name}/accounts', ofClient(name))).data?.items ?? []).map((a) => a.account);
const remove = (name: string, account: string) =>
  opsApi.DELETE('/admin/clients/{name}/accounts/{account}', { params: { path: { name, account } } });

afterAll(() => system?.stop());

describe('POST /admin/clients/{name}/accounts and GET /admin/clients/{name}/accounts', () => {
  describe('success', () => {
    it('registers an account (201), again changes nothing (200), and lists it with who registered it', async () => {
      const first = await register('acme', '12341234');
      expect(first.response.status).toBe(201);
      expect(first.data).toMatchObject({ account: '12341234', client: 'acme', created_by: opsKeyId });
      expect(first.data?.created_at).toEqual(expect.any(String));
      expect((await register('acme', '12341234')).response.status).toBe(200);
      await register('acme', '43214321');

      const list = await opsApi.GET('/admin/clients/{name}/accounts', ofClient('acme'));
      expect(list.response.status).toBe(200);
      expect(list.data?.items.map((a) => a.account)).toEqual(['12341234', '43214321']);
      const globex = await opsApi.GET('/admin/clients/{name}/accounts', ofClient('globex'));
      expect(globex.data?.items).toEqual([]);
    });
  });

  describe('errors', () => {
    it("refuses another client's account (409), an unknown client (404) and bad input (422 naming each field)", async () => {
      await register('acme', '99990000');
      const taken = expectProblem(clientAnswer(await register('globex', '99990000')), 409);
      expect(taken.type).toMatch(/account-owned-by-another-client$/);
      expectProblem(clientAnswer(await register('nobody', '99990001')), 404);
      expectProblem(clientAnswer(await opsApi.GET('/admin/clients/{name}/accounts', ofClient('nobody'))), 404);
      const bad = expectProblem(await ops.post('/admin/clients/acme/accounts', { account: '12ab', colour: 'red' }), 422);
      expect(fieldsOf(bad)).toEqual(['body.account', 'body.colour']);
      const badName = expectProblem(await ops.post('/admin/clients/no%20spaces/accounts', { account: '12345678' }), 422);
      expect(fieldsOf(badName)).toEqual(['params.name']);
    });
  });
});

describe('DELETE /admin/clients/{name}/accounts/{account}', () => {
  describe('success', () => {
    it('removes an account (204), after which it is no longer listed', async () => {
      await register('globex', '80808080');
      expect((await remove('globex', '80808080')).response.status).toBe(204);
      expect(await accountsOf('globex')).not.toContain('80808080');
    });
  });

  describe('errors', () => {
    it('answers 404 for an account the client does not own, and 422 for one that is no account number', async () => {
      await register('acme', '70707070');
      expectProblem(clientAnswer(await remove('globex', '70707070')), 404);
      expectProblem(clientAnswer(await remove('globex', '60606060')), 404);
      const bad = expectProblem(await ops.call('DELETE', '/admin/clients/globex/accounts/12ab'), 422);
      expect(fieldsOf(bad)).toEqual(['params.account']);
    });
  });
});

describe('/admin/clients/{name}/accounts', () => {
  describe('security', () => {
    it('is for admin keys only (403) and needs a key (401)', async () => {
      const acme = system.as(await system.createClient('acme'));
      expectProblem(await acme.post('/admin/clients/acme/accounts', { account: '31313131' }), 403);
      expectProblem(await acme.get('/admin/clients/acme/accounts'), 403);
      expectProblem(await acme.call('DELETE', '/admin/clients/acme/accounts/12341234'), 403);
      expectProblem(await system.as(null).get('/admin/clients/acme/accounts'), 401);
      // Nothing was registered by the refused request.
      expect(await accountsOf('acme')).not.toContain('31313131');
    });
  });
});
