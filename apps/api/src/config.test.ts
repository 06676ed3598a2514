import { ConfigError } from '@pt/core';
import { describe, expect, it } from 'vitest';
import { loadApiConfig } from './config.js';

const REQUIRED = { DATABASE_URL: 'postgres://localhost/payments', GATEWAY_URL: 'http://localhost:8001' };

describe('loadApiConfig', () => {
  it.each([
    ['one address', '10.0.0.1', ['10.0.0.1']],
    ['addresses and CIDRs, spaced', '10.0.0.1, 192.168.0.0/16,fd00::/8', ['10.0.0.1', '192.168.0.0/16', 'fd00::/8']],
    ['a preset', 'loopback', ['loopback']],
    ['nothing', '', undefined],
  ])('reads TRUST_PROXY given %s', (_, value, expected) => {
    expect(loadApiConfig({ ...REQUIRED, TRUST_PROXY: value }).TRUST_PROXY).toEqual(expected);
  });

  it.each([
    ['a hop count', '1'],
    ['a host name', 'balancer.internal'],
    ['a bad CIDR', '10.0.0.0/33'],
    ['true', 'true'],
  ])('refuses TRUST_PROXY given %s, naming it', (_, value) => {
    expect(() => loadApiConfig({ ...REQUIRED, TRUST_PROXY: value })).toThrow(/TRUST_PROXY: must be addresses or CIDRs/);
  });

  it('refuses a headers timeout longer than the request timeout, naming it', () => {
    const env = { ...REQUIRED, API_HEADERS_TIMEOUT_MS: '20000', API_REQUEST_TIMEOUT_MS: '10000' };
    expect(() => loadApiConfig(env)).toThrow(ConfigError);
    expect(() => loadApiConfig(env)).toThrow(/API_HEADERS_TIMEOUT_MS: must not exceed API_REQUEST_TIMEOUT_MS/);
  });
});
