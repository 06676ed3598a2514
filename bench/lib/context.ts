import type { BenchDatabase } from './infra.js';
import type { BenchSettings } from './settings.js';

/** What every case gets: the settings, the scratch database and the API client to act as. */
export interface BenchContext {
  settings: BenchSettings;
  db: BenchDatabase;
  clientId: string;
  apiKey: string;
  log(line: string): void;
}

/** One line of the printed table. Ratios are ours / floor. */
export interface TableRow {
  case: string;
  metric: string;
  unit: string;
  ours: number;
  floor?: number;
  ratio?: number;
  /** e.g. ">= 0.8x floor"; `met` says whether this run reached it. */
  goal?: string;
  met?: boolean;
}

export interface CaseResult {
  rows: TableRow[];
  /** Everything measured, every round, for the JSON file. */
  details: Record<string, unknown>;
}
