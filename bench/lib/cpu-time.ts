import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux the bench runs on

/**
 * CPU time (user + system) a process has used so far, in microseconds, from /proc/<pid>/stat;
 * undefined off Linux. Divided by the requests a run served, it is the server's own cost per
 * request: steadier than throughput on a shared machine, since it leaves out the load generator
 * and Postgres, which share the same cores.
 */
export function processCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) / TICKS_PER_SECOND) * 1e6;
  } catch {
    return undefined;
  }
}

/**
 * CPU time used so far by a Postgres server's processes (the postmaster and every process it
 * started that is still running), in microseconds; undefined off Linux. `backendPid` is any
 * backend of that server (`SELECT pg_backend_pid()`): its parent is the postmaster. Measured
 * around a phase whose connections stay open, it is the server's share of that phase's CPU.
 */
export function postgresCpuMicros(backendPid: number): number | undefined {
  const postmaster = parentOf(backendPid);
  if (postmaster === undefined) return undefined;
  let total = processCpuMicros(postmaster) ?? 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (parentOf(pid) === postmaster) total += processCpuMicros(pid) ?? 0;
  }
  return total;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}
