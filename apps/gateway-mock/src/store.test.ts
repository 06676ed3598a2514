import { describe, expect, it } from 'vitest';
import { newConfirmationId } from './ids.js';
import { jsonArrayChunks } from './json-stream.js';
import { PaymentStore, resolutionFor } from './store.js';
import { UUID } from './test-helpers.js';
import { formatTimestamp, parseTimestamp } from './timestamps.js';

const input = (receiver: string) => ({ sender_account: 's', receiver_account: receiver, amount: 1 });

describe('resolutionFor', () => {
  it('maps the last character', () => {
    expect([...'0123456789'].map((d) => resolutionFor(`A${d}`))).toEqual([
      'settled',
      'settled',
      'settled',
      'settled',
      'returned',
      'returned',
      'returned',
      'failed',
      'failed',
      'failed',
    ]);
    expect(resolutionFor('ABC')).toBe('settled');
    expect(resolutionFor('7 ')).toBe('settled');
    expect(resolutionFor('')).toBe('settled');
  });
});

describe('PaymentStore pending queue', () => {
  it('resolves only what is due, in created order, even when inserted out of order', () => {
    const store = new PaymentStore({ delayMs: 1000, timestampStyle: 'iso' });
    const late = store.add(input('9'), 5_000);
    const early = store.add(input('5'), 1_000); // clock went back
    store.seed({ count: 2, createdMs: 3_000 }, 3_000);
    expect(store.resolveDue(2_500)).toBe(1);
    expect(early.status).toBe('returned');
    expect(early.updatedAt).toBe(formatTimestamp(2_500, 'iso'));
    expect(store.resolveDue(4_000)).toBe(2);
    expect(late.status).toBe('pending');
    expect(store.resolveDue(6_000)).toBe(1);
    expect(late.status).toBe('failed');
    expect(store.pendingCount).toBe(0);
    expect(store.resolveDue(60_000)).toBe(0);
  });

  it('resolves a large backlog in one pass and keeps accepting', () => {
    const store = new PaymentStore({ delayMs: 0, timestampStyle: 'naive' });
    store.seed({ count: 50_000 }, 1_000);
    expect(store.resolveDue(1_000)).toBe(50_000);
    store.add(input('1'), 2_000);
    expect(store.pendingCount).toBe(1);
    expect(store.resolveDue(2_000)).toBe(1);
    expect(store.size).toBe(50_001);
  });
});

describe('ids, JSON chunks and timestamps', () => {
  it('makes distinct UUID v4 ids', () => {
    const ids = Array.from({ length: 10_000 }, newConfirmationId);
    expect(new Set(ids).size).toBe(10_000);
    for (const id of ids.slice(0, 100)) expect(id).toMatch(UUID);
  });

  it('chunks a JSON array and can cut it short', () => {
    const items = Array.from({ length: 7 }, (_, i) => i);
    const chunks = [...jsonArrayChunks(items, items.length, String, { chunkSize: 3 })];
    expect(chunks).toEqual(['[0,1,2', ',3,4,5', ',6]']);
    expect(JSON.parse(chunks.join(''))).toEqual(items);
    expect([...jsonArrayChunks(items, 0, String)].join('')).toBe('[]');
    expect([...jsonArrayChunks(items, 5, String)].join('')).toBe('[0,1,2,3,4]');
    const cut = [...jsonArrayChunks(['"abcd"', '"efgh"'], 2, (s) => s, { truncateAt: 1 })].join('');
    expect(cut).toBe('["abcd","ef');
  });

  it('formats naive and iso, and parses zone-less as UTC', () => {
    const ms = Date.UTC(2026, 0, 2, 3, 4, 5, 67);
    expect(formatTimestamp(ms, 'naive')).toBe('2026-01-02T03:04:05.067000');
    expect(formatTimestamp(ms, 'iso')).toBe('2026-01-02T03:04:05.067Z');
    expect(parseTimestamp('2026-01-02T03:04:05.067891')).toBe(ms);
    expect(parseTimestamp('2026-01-02T04:04:05.067+01:00')).toBe(ms);
    expect(parseTimestamp('soon')).toBeNaN();
  });
});
