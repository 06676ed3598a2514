import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

/**
 * postgres.js 3.4.9 slows down under sustained load: its Queue's remove() scans the spent slots
 * that are only dropped when a queue drains, and under steady load the connection queues never
 * drain, so every remove() scans an ever-longer array. patches/postgres@3.4.9.patch searches from
 * the live part only; pnpm's patchedDependencies applies it at install (pnpm-workspace.yaml), and
 * `make bench` measures it (bench/README.md, case 5). These tests fail if an install ever resolves
 * the unpatched package (a version bump, a lost patch).
 */

interface Queue<T> {
  readonly length: number;
  push(x: T): T;
  shift(): T | undefined;
  remove(x: T): T | null;
}

// Resolved from this package, exactly as `import postgres from 'postgres'` in db/client.ts is.
const esmEntry = fileURLToPath(import.meta.resolve('postgres'));
const cjsEntry = createRequire(import.meta.url).resolve('postgres');
const queueFiles = {
  esm: new URL('./queue.js', `file://${esmEntry}`),
  cjs: new URL('./queue.js', `file://${cjsEntry}`),
};

async function loadQueue(): Promise<<T>() => Queue<T>> {
  const module = (await import(queueFiles.esm.href)) as { default: <T>() => Queue<T> };
  return module.default;
}

describe('the installed postgres.js carries the queue fix', () => {
  test.each(Object.entries(queueFiles))('%s queue.js searches only the live part in remove()', (_kind, file) => {
    const source = readFileSync(file, 'utf8');
    expect(source).toContain('xs.indexOf(x, index)');
    expect(source).not.toMatch(/const index = xs\.indexOf\(x\)/);
  });

  test('the queue stays first in, first out, with removals from the middle', async () => {
    const queue = (await loadQueue())<string>();
    for (const x of ['a', 'b', 'c', 'd']) queue.push(x);
    expect(queue.shift()).toBe('a');
    expect(queue.remove('c')).toBe('c');
    expect(queue.remove('a')).toBeNull(); // already shifted out: not in the queue any more
    expect(queue.remove('zz')).toBeNull();
    expect(queue.length).toBe(2);
    expect([queue.shift(), queue.shift()]).toEqual(['b', 'd']);
    expect(queue.length).toBe(0);
  });

  test('a queue that never drains keeps its order and its length over many operations', async () => {
    const queue = (await loadQueue())<number>();
    const model: number[] = [];
    for (let i = 0; i < 3; i++) {
      queue.push(i);
      model.push(i);
    }
    // The pool's busy queue under load: shift a connection, push it back, now and then move one out.
    for (let i = 3; i < 20_000; i++) {
      expect(queue.shift()).toBe(model.shift());
      queue.push(i);
      model.push(i);
      if (i % 7 === 0) {
        const victim = model[1] as number;
        expect(queue.remove(victim)).toBe(victim);
        model.splice(1, 1);
        queue.push(-i);
        model.push(-i);
      }
      expect(queue.length).toBe(model.length);
    }
    while (model.length > 0) expect(queue.shift()).toBe(model.shift());
    expect(queue.length).toBe(0);
  });

  test('removing the last live entry empties the queue for later pushes', async () => {
    const queue = (await loadQueue())<string>();
    queue.push('a');
    queue.push('b');
    queue.shift();
    expect(queue.remove('b')).toBe('b');
    expect(queue.length).toBe(0);
    queue.push('c');
    expect(queue.length).toBe(1);
    expect(queue.shift()).toBe('c');
  });
});
