import { readFileSync } from 'node:fs';

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
