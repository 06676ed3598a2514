/**
 * Case 3's limit: what a cycle costs with no database at all. Receives GET /status and
 * split-parses it as the syncer does (JsonArraySplitter, one JSON.parse per batch), looking at
 * each entry's id and status, and nothing else: no tracked set, no statements. A cycle can come
 * no nearer to this than the time and CPU Postgres adds.
 */
import { isRawStatusEntry, JsonArraySplitter } from '@pt/core';
import { request } from 'undici';
import { peakRssBytes } from '../lib/peak-rss.js';

const gatewayUrl = process.env.GATEWAY_URL;
if (!gatewayUrl) throw new Error('GATEWAY_URL is required');

const baseRssBytes = process.memoryUsage().rss;
const cpuAtStart = process.cpuUsage();
const started = performance.now();
let entries = 0;
let resolved = 0;
const splitter = new JsonArraySplitter();
const response = await request(`${gatewayUrl}/status`);
for await (const chunk of response.body) {
  const batch = splitter.push(chunk as Buffer);
  if (!batch) continue;
  for (const value of batch) {
    if (!isRawStatusEntry(value)) continue;
    entries++;
    if (value.status !== 'pending') resolved++;
  }
}
splitter.end();

const wallMs = performance.now() - started;
const cpu = process.cpuUsage(cpuAtStart);
const peakRss = peakRssBytes();
process.send?.(
  { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssBytes: peakRss, baseRssBytes, entries, changed: resolved },
  () => process.disconnect(),
);
