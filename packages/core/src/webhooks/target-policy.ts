import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { z } from 'zod';
import { envInt } from '../config.js';
import { secretKeysSchema } from './secret-box.js';

/** A resolved address of a host, as dns.lookup({ all: true }) gives it. */
export interface ResolvedAddress {
  address: string;
  family: number;
}
export type Resolve = (hostname: string) => Promise<ResolvedAddress[]>;

const systemResolve: Resolve = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * Where a webhook may not go unless allowed: loopback, private, shared (CGNAT), link-local (with
 * the cloud metadata address 169.254.169.254 and fd00:ec2::254), multicast, reserved and NAT64.
 * BlockList checks an IPv4-mapped IPv6 address (::ffff:127.0.0.1) against the IPv4 rules too.
 */
const FORBIDDEN: Array<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

/** The webhook variables api and syncer both read: the target policy and the retry period. */
export const webhookEnvSchema = z.object({
  /** `true` lets endpoints use http:// (local development); otherwise https only. */
  WEBHOOK_ALLOW_HTTP: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['true', 'false']).default('false')),
  /** Comma-separated CIDRs endpoints may reach although forbidden (e.g. `127.0.0.0/8,::1/128`). */
  WEBHOOK_ALLOWED_CIDRS: z.string().default(''),
  /** How long a delivery is retried after its event (or after a redelivery): about three days. */
  WEBHOOK_RETRY_FOR_MS: envInt(3 * 86_400_000, 1000, 30 * 86_400_000),
  /** Keys that seal signing secrets at rest (secret-box.ts); the first seals, all open. */
  WEBHOOK_SECRET_KEYS: secretKeysSchema,
});
export type WebhookEnv = z.output<typeof webhookEnvSchema>;

export interface TargetPolicy {
  allowHttp: boolean;
  /** Whether the address may be connected to. */
  permits(address: string): boolean;
  resolve: Resolve;
}

/** The policy from the configuration; `resolve` is injectable so tests control what a name resolves to. */
export function createTargetPolicy(
  env: Pick<WebhookEnv, 'WEBHOOK_ALLOW_HTTP' | 'WEBHOOK_ALLOWED_CIDRS'>,
  resolve: Resolve = systemResolve,
): TargetPolicy {
  const forbidden = new BlockList();
  for (const [network, prefix, type] of FORBIDDEN) forbidden.addSubnet(network, prefix, type);
  const allowed = new BlockList();
  for (const cidr of env.WEBHOOK_ALLOWED_CIDRS.split(',')
    .map((c) => c.trim())
    .filter(Boolean)) {
    const [network = '', prefix] = cidr.split('/');
    const type = isIP(network) === 6 ? 'ipv6' : 'ipv4';
    allowed.addSubnet(network, Number(prefix ?? (type === 'ipv6' ? 128 : 32)), type);
  }
  return {
    allowHttp: env.WEBHOOK_ALLOW_HTTP === 'true',
    permits(address) {
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      return !forbidden.check(address, type) || allowed.check(address, type);
    },
    resolve,
  };
}

/** Why a URL may not be a webhook target, or null. Resolves the host (every address must be permitted). */
export async function refuseTarget(url: URL, policy: TargetPolicy): Promise<string | null> {
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:'))
    return policy.allowHttp ? 'must be an http or https URL' : 'must be an https URL';
  if (url.username || url.password) return 'must not carry credentials';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = await addressesOf(host, policy);
  if (addresses === null) return 'has a host that does not resolve';
  return addresses.every((a) => policy.permits(a.address))
    ? null
    : 'must not point at a loopback, private, link-local or metadata address';
}

async function addressesOf(host: string, policy: TargetPolicy): Promise<ResolvedAddress[] | null> {
  const family = isIP(host);
  if (family !== 0) return [{ address: host, family }];
  const addresses = await policy.resolve(host).catch(() => []);
  return addresses.length > 0 ? addresses : null;
}

/**
 * A `lookup` for net/tls connect that resolves through the policy and refuses a host when any
 * of its addresses is forbidden: the address checked is the address connected to, at every
 * connection (a DNS answer that changed since the endpoint was created is checked again).
 */
export function guardedLookup(policy: TargetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    policy.resolve(hostname).then(
      (addresses) => {
        const refused = addresses.find((a) => !policy.permits(a.address));
        if (addresses.length === 0 || refused) {
          const error = Object.assign(new Error(`refused webhook target ${hostname}: forbidden address`), {
            code: 'EWEBHOOKTARGET',
          });
          callback(error, '', 0);
          return;
        }
        const wanted =
          options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        const usable = wanted.length > 0 ? wanted : addresses;
        if (options.all) (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, usable);
        else callback(null, usable[0]?.address ?? '', usable[0]?.family ?? 4);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
