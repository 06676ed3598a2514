import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, fieldsOf } from '../expect-problem.js';
import { type System, startSystem } from '../harness.js';

/**
 * The sender accounts each client may send payments from (/admin/clients/{name}/accounts),
 * admin keys only. What the 403 of POST /payments does: post-payments-accounts.test.ts.
 */

type Client = ReturnType<System['as']>;
type Account = { account: string; client: string; created_at: string; created_by: string };

// One system for the file's tests, which run in order.
let system: System;
let ops: Client;
let opsKeyId: string;

beforeAll(async () => {
  system = await startSystem({ startSyncer: false });
  await system.createClient('acme');
  await system.createClient('globex');
  const opsKey = await system.createClient('ops', true);
  opsKeyId = opsKey.split('_')[1] ?? '';
  ops = system.as(opsKey);
});
afterAll(() => system?.stop());

describe('POST /admin/clients/{name}/accounts and GET /admin/clients/{name}/accounts', () => {
  describe('success', () => {
    it('registers an account (201), again changes nothing (200), and lists it with who registered it', async () => {
      const first = await ops.post<Account>('/admin/clients/acme/accounts', { account: '12341234' });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ account: '12341234', client: 'acme', created_by: opsKeyId });
      expect(first.body.created_at).toEqual(expect.any(String));
      expect((await ops.post('/admin/clients/acme/accounts', { account: '12341234' })).status).toBe(200);
      await ops.post('/admin/clients/acme/accounts', { account: '43214321' });

      const list = await ops.get<{ items: Account[] }>('/admin/clients/acme/accounts');
      expect(list.status).toBe(200);
      expect(list.body.items.map((a) => a.account)).toEqual(['12341234', '43214321']);
      expect((await ops.get<{ items: Account[] }>('/admin/clients/globex/accounts')).body.items).toEqual([]);
    });
  });

  describe('errors', () => {
    it("refuses another client's account (409), an unknown client (404) and bad input (422 naming each field)", async () => {
      await ops.post('/admin/clients/acme/accounts', { account: '99990000' });
      const taken = expectProblem(await ops.post('/admin/clients/globex/accounts', { account: '99990000' }), 409);
      expect(taken.type).toMatch(/account-owned-by-another-client$/);
      expectProblem(await ops.post('/admin/clients/nobody/accounts', { account: '99990001' }), 404);
      expectProblem(await ops.get('/admin/clients/nobody/accounts'), 404);
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
      await ops.post('/admin/clients/globex/accounts', { account: '80808080' });
      expect((await ops.call('DELETE', '/admin/clients/globex/accounts/80808080')).status).toBe(204);
      const list = await ops.get<{ items: Account[] }>('/admin/clients/globex/accounts');
      expect(list.body.items.map((a) => a.account)).not.toContain('80808080');
    });
  });

  describe('errors', () => {
    it('answers 404 for an account the client does not own, and 422 for one that is no account number', async () => {
      await ops.post('/admin/clients/acme/accounts', { account: '70707070' });
      expectProblem(await ops.call('DELETE', '/admin/clients/globex/accounts/70707070'), 404);
      expectProblem(await ops.call('DELETE', '/admin/clients/globex/accounts/60606060'), 404);
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
      const list = await ops.get<{ items: Account[] }>('/admin/clients/acme/accounts');
      expect(list.body.items.map((a) => a.account)).not.toContain('31313131');
    });
  });
});
