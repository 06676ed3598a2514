/**
 * One reconciliation by our syncer, in a process of its own so its peak RSS is its own:
 * the syncer's real composition root and reconcile(), configured from the environment like
 * apps/syncer/src/main.ts. Sends { wallMs, peakRssBytes, ... } to the parent over IPC.
 */
import { createLogger } from '@pt/core';
import { createSyncerDeps, loadSyncerConfig, reconcile } from '@pt/syncer';
import { peakRssBytes } from '../lib/peak-rss.js';

const config = loadSyncerConfig(process.env);
const deps = createSyncerDeps(config, createLogger({ name: 'syncer', level: config.LOG_LEVEL }));
const baseRssBytes = process.memoryUsage().rss;
const cpuAtStart = process.cpuUsage();
const started = performance.now();
const result = await reconcile(deps);
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuAtStart);
const peakRss = peakRssBytes();
await deps.close();
process.send?.(
  {
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssBytes: peakRss,
    baseRssBytes,
    entries: result.entries,
    changed: result.changed,
  },
  () => process.disconnect(),
);
