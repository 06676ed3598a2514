import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * `.data/infra.json`: which process runs the infrastructure (embedded Postgres, gateway-mock) and
 * its URLs. One process writes it while others (`make run-app`, `make api-key`, a second
 * terminal) poll it, so a reader must never see half of it.
 */
export interface InfraState {
  pid: number;
  databaseUrl: string;
  gatewayUrl: string;
}

/**
 * Writes a temporary file beside `file` and renames it over `file`: rename replaces the name in
 * one step, so a reader opens either the previous complete file or the new complete one.
 */
export function writeInfraState(file: string, state: InfraState): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(state));
  renameSync(temporary, file);
}

/**
 * The state in `file` while its process lives. Null when there is none, when its process is
 * gone, and when the file cannot be read as a complete state (one half-written by an older
 * version, a crash mid-write): that is "not running yet", and callers polling it try again.
 */
export function readInfraState(file: string): InfraState | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  if (!isInfraState(parsed)) return null;
  return isAlive(parsed.pid) ? parsed : null;
}

function isInfraState(value: unknown): value is InfraState {
  if (typeof value !== 'object' || value === null) return false;
  const state = value as Record<string, unknown>;
  return Number.isInteger(state.pid) && typeof state.databaseUrl === 'string' && typeof state.gatewayUrl === 'string';
}

/** Whether a process runs under this pid (a zombie still answers kill(0) but holds nothing). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/^\d+ \(.*\) Z/.test(stat);
}
