import { readFileSync } from 'node:fs';

/**
 * This process's peak resident set size, in bytes. On Linux it is VmHWM from /proc/self/status:
 * getrusage's ru_maxrss (process.resourceUsage().maxRSS) also counts the parent's memory at the
 * fork that started us, so a child started by a big parent would report the parent's size.
 */
export function peakRssBytes(): number {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match?.[1]) return Number(match[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}
