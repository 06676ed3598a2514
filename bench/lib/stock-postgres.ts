import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * postgres.js 3.4.9's src/queue.js exactly as published (before patches/postgres@3.4.9.patch):
 * remove() scans the whole array, spent slots included, which only a full drain clears.
 */
export const STOCK_QUEUE_JS = `export default Queue

function Queue(initial = []) {
  let xs = initial.slice()
  let index = 0

  return {
    get length() {
      return xs.length - index
    },
    remove: (x) => {
      const index = xs.indexOf(x)
      return index === -1
        ? null
        : (xs.splice(index, 1), x)
    },
    push: (x) => (xs.push(x), x),
    shift: () => {
      const out = xs[index++]

      if (index === xs.length) {
        index = 0
        xs = []
      } else {
        xs[index - 1] = undefined
      }

      return out
    }
  }
}
`;

export interface PostgresVariants {
  /** File URLs of postgres.js entry points: the installed (patched) one, and a stock copy. */
  patched: string;
  stock: string;
  cleanup(): void;
}

/**
 * The installed postgres.js (patched by pnpm) and a copy of it in a temporary folder with the
 * stock queue.js put back, so both run side by side in the same bench. postgres.js has no
 * dependencies, so the copy works on its own.
 */
export function preparePostgresVariants(): PostgresVariants {
  const patched = import.meta.resolve('postgres');
  const entry = fileURLToPath(patched); // <package>/src/index.js
  const packageDir = path.dirname(path.dirname(entry));
  const installedQueue = readFileSync(path.join(packageDir, 'src/queue.js'), 'utf8');
  if (!installedQueue.includes('xs.indexOf(x, index)')) {
    throw new Error('the installed postgres.js is not patched (run pnpm install: patches/postgres@3.4.9.patch)');
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pt-bench-postgres-'));
  const copy = path.join(dir, 'postgres');
  cpSync(packageDir, copy, { recursive: true, dereference: true });
  writeFileSync(path.join(copy, 'src/queue.js'), STOCK_QUEUE_JS);
  return {
    patched,
    stock: new URL(`file://${path.join(copy, path.relative(packageDir, entry))}`).href,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
