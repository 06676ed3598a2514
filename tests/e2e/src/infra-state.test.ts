import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type InfraState, readInfraState, writeInfraState } from '../../../scripts/infra-state.js';

/**
 * .data/infra.json is written by the process that starts the infrastructure (scripts/up.ts) while
 * `make run-app` polls it: a read in the middle of a write once crashed run-app with "Unexpected
 * end of JSON input" and left Postgres and the gateway-mock running with no owner.
 */
describe('the infrastructure state file (.data/infra.json)', () => {
  let dir: string;
  let file: string;
  const state = (pid: number): InfraState => ({
    pid,
    databaseUrl: 'postgres://postgres:postgres@127.0.0.1:54329/payments',
    gatewayUrl: 'http://127.0.0.1:8001',
  });

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pt-infra-state-'));
    file = path.join(dir, 'infra.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back the state of a live process', () => {
    writeInfraState(file, state(process.pid));
    expect(readInfraState(file)).toEqual(state(process.pid));
  });

  it.each([
    ['empty (truncated, not yet written)', ''],
    ['cut in the middle', JSON.stringify(state(process.pid)).slice(0, 30)],
    ['not a state', '{"pid":"x"}'],
  ])('reads a file that is %s as "not running yet", without throwing', (_what, text) => {
    writeFileSync(file, text);
    expect(readInfraState(file)).toBeNull();
  });

  it('reads no state when there is no file, or when its process is gone', async () => {
    expect(readInfraState(file)).toBeNull();
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid ?? 0;
    await new Promise((resolve) => child.once('exit', resolve));
    writeInfraState(file, state(pid));
    expect(readInfraState(file)).toBeNull();
  });

  it('replaces the file in one step: a reader that opened the old file reads it whole, never the new one', () => {
    const before = state(process.pid);
    const after = { ...before, gatewayUrl: 'http://127.0.0.1:18001/longer-than-before' };
    writeInfraState(file, before);
    const reader = openSync(file, 'r'); // a reader between its open() and its read()
    try {
      writeInfraState(file, after);
      const buffer = Buffer.alloc(4096);
      expect(JSON.parse(buffer.subarray(0, readSync(reader, buffer)).toString('utf8'))).toEqual(before);
    } finally {
      closeSync(reader);
    }
    expect(readInfraState(file)).toEqual(after);
    expect(readdirSync(dir)).toEqual(['infra.json']); // no temporary file left behind
  });
});
