import { describe, expect, it } from 'vitest';
import { createTargetPolicy, guardedLookup, type Resolve, refuseTarget } from './target-policy.js';

/** A resolver that knows a few names, so no test depends on the machine's DNS or hosts file. */
const resolve: Resolve = async (hostname) => {
  const table: Record<string, Array<{ address: string; family: number }>> = {
    'public.example': [{ address: '93.184.216.34', family: 4 }],
    'rebound.example': [{ address: '127.0.0.1', family: 4 }],
    'mixed.example': [
      { address: '93.184.216.34', family: 4 },
      { address: '10.1.2.3', family: 4 },
    ],
  };
  const found = table[hostname];
  if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return found;
};
const strict = createTargetPolicy({ WEBHOOK_ALLOW_HTTP: 'false', WEBHOOK_ALLOWED_CIDRS: '' }, resolve);

describe('webhook target policy', () => {
  it.each([
    ['https://public.example/hook', null],
    ['http://public.example/hook', 'must be an https URL'],
    ['https://user:pw@public.example/hook', 'must not carry credentials'],
    ['https://rebound.example/hook', 'must not point at a loopback, private, link-local or metadata address'],
    ['https://mixed.example/hook', 'must not point at a loopback, private, link-local or metadata address'],
    ['https://127.0.0.1/hook', 'must not point at a loopback, private, link-local or metadata address'],
    ['https://169.254.169.254/latest/meta-data', 'must not point at a loopback, private, link-local or metadata address'],
    ['https://10.0.0.7/hook', 'must not point at a loopback, private, link-local or metadata address'],
    ['https://192.168.1.1/hook', 'must not point at a loopback, private, link-local or metadata address'],
    ['https://[::1]/hook', 'must not point at a loopback, private, link-local or metadata address'],
    ['https://[fe80::1]/hook', 'must not point at a loopback, private, link-local or metadata address'],
    ['https://[fd00:ec2::254]/hook', 'must not point at a loopback, private, link-local or metadata address'],
    ['https://[::ffff:127.0.0.1]/hook', 'must not point at a loopback, private, link-local or metadata address'],
    ['https://nowhere.example/hook', 'has a host that does not resolve'],
  ])('%s → %s', async (url, refusal) => {
    expect(await refuseTarget(new URL(url), strict)).toBe(refusal);
  });

  it('lets the allow-list and WEBHOOK_ALLOW_HTTP open exactly what they name', async () => {
    const dev = createTargetPolicy({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8, ::1/128' }, resolve);
    expect(await refuseTarget(new URL('http://rebound.example:9000/hook'), dev)).toBeNull();
    expect(await refuseTarget(new URL('http://[::1]:9000/hook'), dev)).toBeNull();
    expect(await refuseTarget(new URL('http://10.0.0.7/hook'), dev)).not.toBeNull();
    expect(await refuseTarget(new URL('ftp://public.example/hook'), dev)).toBe('must be an http or https URL');
  });

  it('refuses at connection time a name that now resolves to a forbidden address', async () => {
    const lookup = guardedLookup(strict);
    const outcome = await new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((done) =>
      lookup('rebound.example', {}, (error, address) => done({ error, address })),
    );
    expect(outcome.error?.code).toBe('EWEBHOOKTARGET');
    const allowed = await new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((done) =>
      lookup('public.example', {}, (error, address) => done({ error, address })),
    );
    expect(allowed).toEqual({ error: null, address: '93.184.216.34' });
  });
});
