import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TableRow } from './context.js';

export interface Machine {
  nproc: number;
  cpu: string;
  memoryGb: number;
  node: string;
  os: string;
  postgres: string;
}

export function describeMachine(postgres: string): Machine {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) cpu = match[1].trim();
  } catch {
    // not Linux: os.cpus() it is
  }
  return {
    nproc: os.availableParallelism(),
    cpu,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    postgres,
  };
}

function format(value: number | undefined, unit: string): string {
  if (value === undefined) return '';
  if (Number.isNaN(value)) return 'n/a';
  if (unit === 'x') return `x${value.toFixed(2)}`;
  if (unit === 's') return value.toFixed(2);
  if (unit === 'µs') return value.toFixed(1);
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en');
  return value.toFixed(1);
}

/** The table as Markdown, so the same text goes to the terminal, the README and a note. */
export function renderTable(rows: TableRow[]): string {
  const header = ['case', 'metric', 'unit', 'ours', 'floor', 'ratio', 'goal', 'met'];
  const lines = rows.map((row) => [
    row.case,
    row.metric,
    row.unit,
    format(row.ours, row.unit),
    format(row.floor, row.unit),
    row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}x`,
    row.goal ?? '',
    row.met === undefined ? '' : row.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => (line[i] ?? '').length)));
  const numeric = new Set([3, 4, 5]);
  const render = (cells: string[]) =>
    `| ${cells.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [render(header), rule, ...lines.map(render)].join('\n');
}

/** Writes bench/results/<timestamp>.json and latest.json; returns the timestamped path. */
export function writeResults(dir: string, stamp: string, results: unknown): string {
  mkdirSync(dir, { recursive: true });
  const text = `${JSON.stringify(results, null, 2)}\n`;
  const file = path.join(dir, `${stamp}.json`);
  writeFileSync(file, text);
  writeFileSync(path.join(dir, 'latest.json'), text);
  return file;
}
