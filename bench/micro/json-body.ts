/**
 * What the JSON body parser costs per body (apps/api/src/plugins/json-body.ts), in one process
 * and no HTTP: Fastify's own parser alone, then with the scan that refuses repeated keys and
 * keeps the amount as written (json-scan.ts). A typical POST /payments body, and a 16 KB one
 * (the default BODY_LIMIT_BYTES) of many short keys, the most punctuation a body can hold.
 *
 *   node_modules/.bin/tsx bench/micro/json-body.ts
 */
import Fastify, { type FastifyRequest } from 'fastify';
import { scanJson } from '../../apps/api/src/plugins/json-scan.js';

const typical = '{"sender_account":"12345678","receiver_account":"87654320","amount":100.5,"memo":"invoice 42"}';
const entries = Array.from({ length: 1200 }, (_, i) => `"k${i}":${i}`);
const large = `{${entries.join(',')}}`.slice(0, 16_000).replace(/,[^,]*$/, '}');

const app = Fastify();
const parse = app.getDefaultJsonParser('error', 'error');
const request = {} as FastifyRequest;
const noop = () => {};

/**
 * Median over rounds of the CPU time (user + system) per call of `run`, in microseconds: CPU
 * time rather than wall time, so that other processes on a shared machine count less.
 */
function measure(run: () => void, calls: number, rounds = 9): number {
  const perCall: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i++) run();
    const used = process.cpuUsage(start);
    perCall.push((used.user + used.system) / calls);
  }
  return perCall.sort((a, b) => a - b)[Math.floor(rounds / 2)] ?? Number.NaN;
}

for (const [name, body, calls] of [
  ['typical POST /payments body', typical, 200_000],
  [`${large.length}-byte body of short keys`, large, 500],
] as const) {
  const parseOnly = measure(() => parse(request, body, noop), calls);
  const scanOnly = measure(() => scanJson(body), calls);
  const both = measure(() => {
    parse(request, body, noop);
    scanJson(body);
  }, calls);
  console.log(`${name}: parse ${parseOnly.toFixed(2)} µs, scan ${scanOnly.toFixed(2)} µs, parse + scan ${both.toFixed(2)} µs`);
}
