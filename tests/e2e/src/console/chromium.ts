import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/**
 * Debian's `chromium` on the PATH (CI installs it: .ci/run), or null. Nothing downloads a
 * browser: playwright-core drives this executable.
 */
export function findChromium(): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'chromium');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return null;
}

/** Chromium refuses its sandbox as root (CI, containers); headless it needs nothing else. */
export const CHROMIUM_ARGS = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
