import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createApiClientsRepository, createClientAccountsRepository, createSql } from '@pt/core';
import { createTestDatabase, type TestDatabase } from '@pt/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAccountsArgs, runAccountsCommand } from '../../../scripts/accounts-command.js';
import { ROOT } from '../../../scripts/bundle.js';

describe('make account-add / accounts / account-remove', () => {
  let database: TestDatabase;
  let db: ReturnType<typeof createSql>;
  let accounts: ReturnType<typeof createClientAccountsRepository>;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createSql(database.url, { max: 2 });
    const clients = createApiClientsRepository(db.sql);
    await clients.create('acme');
    await clients.create('globex');
    accounts = createClientAccountsRepository(db.sql);
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  /** Runs the command as the script does, collecting what it writes. */
  async function run(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
    const parsed = parseAccountsArgs(args);
    if (!parsed) throw new Error(`not a command: ${args.join(' ')}`);
    const out: string[] = [];
    const err: string[] = [];
    const code = await runAccountsCommand(parsed, accounts, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  }

  it.each([
    [['add', 'acme', '12345678'], { command: 'add', client: 'acme', account: '12345678' }],
    [['list', 'acme'], { command: 'list', client: 'acme' }],
    [['remove', 'acme', '12345678'], { command: 'remove', client: 'acme', account: '12345678' }],
    [['add', 'acme', ''], null],
    [['add', 'acme', '12ab5678'], null],
    [['add', 'acme', '12345'], null],
    [['add', '', '12345678'], null],
    [['add', 'no spaces', '12345678'], null],
    [['list', 'acme', '12345678'], null],
    [['add', 'acme', '12345678', 'extra'], null],
    [['grant', 'acme', '12345678'], null],
    [[], null],
  ])('parses %j as %j', (args, expected) => {
    expect(parseAccountsArgs(args)).toEqual(expected);
  });

  it('registers, lists and removes an account; a second add changes nothing', async () => {
    expect(await run('add', 'acme', '11112222')).toMatchObject({ code: 0, err: ['11112222 registered to acme'] });
    expect(await run('add', 'acme', '11112222')).toMatchObject({ code: 0, err: ['11112222 was already registered to acme'] });
    const listed = await run('list', 'acme');
    expect(listed.code).toBe(0);
    expect(listed.out).toHaveLength(1);
    expect(listed.out[0]).toMatch(/^11112222\t\d{4}-\d\d-\d\dT[\d:.]+Z\tcli$/);
    expect(await run('remove', 'acme', '11112222')).toMatchObject({ code: 0 });
    expect((await run('list', 'acme')).out).toEqual([]);
  });

  it("exits 1 with the reason for another client's account, an unknown client, or an account not the client's", async () => {
    await run('add', 'globex', '55556666');
    const taken = await run('add', 'acme', '55556666');
    expect(taken.code).toBe(1);
    expect(taken.err.join('\n')).toMatch(/another client/);
    expect((await accounts.listForClient('globex')).map((a) => a.account)).toEqual(['55556666']);
    expect((await run('add', 'nobody', '12121212')).code).toBe(1);
    expect((await run('list', 'nobody')).code).toBe(1);
    expect((await run('remove', 'acme', '55556666')).code).toBe(1);
  });

  it('runs as a script on DATABASE_URL: the account is registered, and bad arguments exit 2', async () => {
    const script = path.join(ROOT, 'scripts', 'accounts.ts');
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const env = { ...process.env, DATABASE_URL: database.url, GATEWAY_URL: 'http://127.0.0.1:9' };
    await promisify(execFile)(tsx, [script, 'add', 'acme', '31313131'], { cwd: ROOT, env });
    expect((await accounts.listForClient('acme')).map((a) => a.account)).toContain('31313131');
    const bad = await promisify(execFile)(tsx, [script, 'add', 'acme', 'nope'], { cwd: ROOT, env }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 2 });
  }, 60_000);
});
