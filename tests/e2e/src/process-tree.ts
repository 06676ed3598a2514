import { readdirSync, readFileSync } from 'node:fs';

/** A process as /proc shows it; pid and start time together name it even after its pid is reused. */
export interface ProcessInfo {
  pid: number;
  startTime: string;
  command: string;
}

interface Stat {
  ppid: number;
  state: string;
  startTime: string;
}

function readStat(pid: number): Stat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields count from the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', ppid: Number(fields[1]), startTime: fields[19] ?? '' };
  } catch {
    return null;
  }
}

function readCommand(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/** Whether that very process still runs (a zombie holds nothing: it does not count). */
export function isRunning(info: ProcessInfo): boolean {
  const stat = readStat(info.pid);
  return stat !== null && stat.startTime === info.startTime && stat.state !== 'Z';
}

/**
 * Records every descendant of `rootPid` while it runs, by polling /proc. Children that detach
 * into process groups of their own are still children; a grandchild whose parent died is kept
 * once it has been seen. Linux only, as the machines this project runs on.
 */
export function watchDescendants(rootPid: number, intervalMs = 25) {
  const seen = new Map<number, ProcessInfo>();
  const poll = () => {
    const stats = new Map<number, Stat>();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const stat = readStat(Number(name));
      if (stat) stats.set(Number(name), stat);
    }
    const family = new Set([rootPid, ...seen.keys()]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [pid, stat] of stats) {
        if (family.has(pid) || !family.has(stat.ppid)) continue;
        family.add(pid);
        grew = true;
        if (!seen.has(pid)) seen.set(pid, { pid, startTime: stat.startTime, command: '' });
      }
    }
    // Read again while it runs: between fork and exec a child still shows its parent's command.
    for (const info of seen.values()) {
      const command = stats.get(info.pid)?.startTime === info.startTime ? readCommand(info.pid) : '';
      if (command) info.command = command;
    }
  };
  poll();
  const timer = setInterval(poll, intervalMs);
  return {
    /** Every descendant seen so far. */
    seen: () => [...seen.values()],
    stop() {
      clearInterval(timer);
      return [...seen.values()];
    },
  };
}
