import { describe, expect, it } from 'vitest';
import { FaultController, faultConfigSchema, mulberry32, parseFaultsEnv } from './faults.js';

describe('fault config schema', () => {
  it('accepts the documented shape and defaults missing lists', () => {
    const parsed = faultConfigSchema.parse({
      submit: [
        { kind: 'latency', latency_ms: 200, probability: 0.5 },
        { kind: 'error', status_code: 503, count: 2 },
        { kind: 'rate_limit', retry_after_s: 3 },
        { kind: 'accept_then_hang' },
      ],
      seed: 7,
    });
    expect(parsed.status).toEqual([]);
    expect(parsed.submit).toHaveLength(4);
  });

  it.each([
    ['an unknown kind', { submit: [{ kind: 'explode' }] }, 'kind'],
    ['a status-only kind on submit', { submit: [{ kind: 'truncated' }] }, 'kind'],
    ['a submit-only kind on status', { status: [{ kind: 'accept_then_error' }] }, 'kind'],
    ['a status code outside 500/502/503/504', { submit: [{ kind: 'error', status_code: 501 }] }, 'status_code'],
    ['a probability above 1', { status: [{ kind: 'error', probability: 1.5 }] }, 'probability'],
    ['a fractional count', { status: [{ kind: 'error', count: 1.5 }] }, 'count'],
    ['latency without latency_ms', { status: [{ kind: 'latency' }] }, 'latency_ms'],
    ['a misspelt field', { submit: [{ kind: 'error', probabilty: 0.5 }] }, 'probabilty'],
    ['an unknown top-level key', { submits: [] }, 'submits'],
  ])('rejects %s', (_name, config, mentioned) => {
    const result = faultConfigSchema.safeParse(config);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(mentioned);
  });
});

describe('FaultController', () => {
  it('fires the first matching rule in order and fires nothing without rules', () => {
    const faults = new FaultController();
    expect(faults.decideSubmit()).toBeUndefined();
    faults.set({ submit: [{ kind: 'reset' }, { kind: 'error' }], status: [{ kind: 'truncated' }] });
    expect(faults.decideSubmit()?.kind).toBe('reset');
    expect(faults.decideStatus()?.kind).toBe('truncated');
  });

  it('exhausts counted rules and falls through to the next rule, showing what is left', () => {
    const faults = new FaultController({
      submit: [
        { kind: 'error', count: 2, status_code: 502 },
        { kind: 'rate_limit', count: 1 },
      ],
    });
    expect([1, 2, 3, 4].map(() => faults.decideSubmit()?.kind)).toEqual(['error', 'error', 'rate_limit', undefined]);
    expect(faults.current().submit.map((r) => r.count)).toEqual([0, 0]);
    expect(faults.injected().submit).toEqual({ error: 2, rate_limit: 1 });
  });

  it('draws probabilities from the seeded PRNG: same seed, same sequence', () => {
    const config = { seed: 42, submit: [{ kind: 'error' as const, probability: 0.3 }] };
    const run = () => {
      const faults = new FaultController(config);
      return Array.from({ length: 200 }, () => (faults.decideSubmit() ? 1 : 0)).join('');
    };
    const first = run();
    expect(run()).toBe(first);
    const fired = [...first].filter((c) => c === '1').length;
    expect(fired).toBeGreaterThan(30);
    expect(fired).toBeLessThan(90);
    // set() resets the PRNG too
    const faults = new FaultController(config);
    faults.decideSubmit();
    faults.set(config);
    expect(Array.from({ length: 200 }, () => (faults.decideSubmit() ? 1 : 0)).join('')).toBe(first);
  });

  it('combines probability and count: the count only drops when the rule fires', () => {
    const faults = new FaultController({ seed: 1, status: [{ kind: 'error', probability: 0.5, count: 3 }] });
    const fired = Array.from({ length: 100 }, () => faults.decideStatus()).filter(Boolean);
    expect(fired).toHaveLength(3);
  });

  it('probability 0 never fires, clear() removes everything', () => {
    const faults = new FaultController({ submit: [{ kind: 'hang', probability: 0 }] });
    expect(faults.decideSubmit()).toBeUndefined();
    faults.set({ submit: [{ kind: 'hang' }] });
    faults.clear();
    expect(faults.current()).toEqual({ submit: [], status: [] });
    expect(faults.decideSubmit()).toBeUndefined();
  });

  it('mulberry32 is deterministic and in [0, 1)', () => {
    const a = mulberry32(123);
    const b = mulberry32(123);
    for (let i = 0; i < 1000; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x >= 0 && x < 1).toBe(true);
    }
  });
});

describe('parseFaultsEnv (GATEWAY_FAULTS)', () => {
  it('returns undefined when unset or blank', () => {
    expect(parseFaultsEnv(undefined)).toBeUndefined();
    expect(parseFaultsEnv('  ')).toBeUndefined();
  });

  it('parses a valid config', () => {
    expect(parseFaultsEnv('{"submit":[{"kind":"error","status_code":503,"count":1}],"seed":3}')).toEqual({
      submit: [{ kind: 'error', status_code: 503, count: 1 }],
      status: [],
      seed: 3,
    });
  });

  it('names GATEWAY_FAULTS when the JSON is broken', () => {
    expect(() => parseFaultsEnv('{"submit": [')).toThrow(/GATEWAY_FAULTS is not valid JSON/);
  });

  it('names GATEWAY_FAULTS and the bad field when the shape is wrong', () => {
    expect(() => parseFaultsEnv('{"submit":[{"kind":"error","status_code":418}]}')).toThrow(
      /GATEWAY_FAULTS is not a valid fault config[\s\S]*status_code/,
    );
    expect(() => parseFaultsEnv('[]')).toThrow(/GATEWAY_FAULTS/);
  });
});
