import { describe, expect, test } from 'vitest';
import { judgeList } from './reconcile.js';

const clean = { missing: 0, duplicates: 0, unreadable: 0, entries: 100, mostEntries: 100 };

describe('judgeList: may this list prove that the gateway never recorded something?', () => {
  test.each([
    ['a list that agrees with our records', clean, null],
    ['the first list ever read', { ...clean, mostEntries: null }, null],
    ['a list that grew', { ...clean, entries: 120 }, null],
    ['pending payments missing (a restart)', { ...clean, missing: 3 }, /3 pending payments missing/],
    ['fewer entries than it ever held (a wipe)', { ...clean, entries: 40 }, /holds 40 entries where it held 100/],
    ['an id listed twice', { ...clean, duplicates: 1 }, /1 confirmation_ids listed twice/],
    ['unreadable entries', { ...clean, unreadable: 2 }, /2 unreadable entries/],
  ] as const)('%s', (_, facts, alarm) => {
    const trust = judgeList(facts);
    expect(trust.trusted).toBe(alarm === null);
    if (alarm === null) expect(trust.alarm).toBeNull();
    else expect(trust.alarm).toMatch(alarm);
  });

  test('names every contradiction at once', () => {
    const trust = judgeList({ missing: 1, duplicates: 2, unreadable: 3, entries: 10, mostEntries: 20 });
    expect(trust.alarm?.split('; ')).toHaveLength(4);
  });
});
