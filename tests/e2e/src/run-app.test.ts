import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@pt/core';
import { createEmptyDatabase, type TestDatabase } from '@pt/core/testing';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ROOT } from '../../../scripts/bundle.js';
import { isRunning, type ProcessInfo, watchDescendants } from './process-tree.js';

/**
 * `make run-app` as a real process (scripts/run-app.ts, as the Makefile runs it), failing or
 * interrupted after it started infrastructure: whatever it started must be gone, by pid, once
 * it has exited. Each run has its own DATA_DIR and free ports, so nothing here touches .data/
 * or ports 8000/8001.
 */
function startRunApp(env: Record<string, string>) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...env };
  for (const name of ['DATABASE_URL', 'GATEWAY_URL'] as const) if (!(name in env)) delete childEnv[name];
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/run-app.ts')], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, as in a terminal: interrupt() is the terminal's Ctrl-C
  });
  const watcher = watchDescendants(child.pid ?? 0);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    exited: exited.finally(() => watcher.stop()),
    output: () => output,
    seen: (): ProcessInfo[] => watcher.seen(),
    interrupt: () => process.kill(-(child.pid ?? 0), 'SIGINT'),
    async waitForOutput(pattern: RegExp, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no ${pattern} in:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}
type RunApp = ReturnType<typeof startRunApp>;

const commandsOf = (processes: ProcessInfo[]) => processes.map((p) => p.command).join('\n');

describe('make run-app leaves no process behind', () => {
  let dataDir: string;
  let current: RunApp | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'pt-run-app-'));
  });
  afterEach(() => {
    // A failing test must not leave its processes to the next one.
    for (const leftover of current?.seen().filter(isRunning) ?? []) process.kill(leftover.pid, 'SIGKILL');
    current = undefined;
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('when the migrations fail: the gateway-mock it started is stopped, and it exits 1', async () => {
    const database: TestDatabase = await createEmptyDatabase();
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      await sql`CREATE TABLE api_clients (id int)`; // the first migration creates it: it fails
      current = startRunApp({ DATA_DIR: dataDir, DATABASE_URL: database.url, GATEWAY_PORT: String(await freePort()) });
      expect(await current.exited).toBe(1);
      const seen = current.seen();
      expect(seen.filter(isRunning)).toEqual([]);
      expect(commandsOf(seen)).toMatch(/apps\/gateway-mock\/src\/main\.ts/);
      expect(current.output()).toMatch(/could not start: /);
    } finally {
      await sql.end({ timeout: 5 });
      await database.drop();
    }
  }, 90_000);

  it('on Ctrl-C while Postgres is starting: Postgres and the gateway-mock are stopped once started, and it exits 0', async () => {
    current = startRunApp({
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      GATEWAY_PORT: String(await freePort()),
      API_PORT: String(await freePort()),
    });
    await current.waitForOutput(/starting embedded Postgres/);
    current.interrupt();
    const code = await current.exited;
    const seen = current.seen();
    expect(seen.filter(isRunning)).toEqual([]);
    expect(commandsOf(seen)).toMatch(/scripts\/up\.ts/);
    expect(commandsOf(seen)).toMatch(/bin\/postgres /); // it finished starting, then was stopped
    expect(code).toBe(0);
  }, 120_000);

  it('on Ctrl-C right after the migrations: an error from a connection torn down does not cut the shutdown short', async () => {
    // a folder of its own: the development key it may leave there would change what the next test sees
    const ownDir = mkdtempSync(path.join(os.tmpdir(), 'pt-run-app-'));
    onTestFinished(() => rmSync(ownDir, { recursive: true, force: true }));
    current = startRunApp({
      DATA_DIR: ownDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      GATEWAY_PORT: String(await freePort()),
      API_PORT: String(await freePort()),
    });
    await current.waitForOutput(/database migrated/);
    current.interrupt(); // while the development API key is being made
    const code = await current.exited;
    expect(current.seen().filter(isRunning)).toEqual([]);
    expect(code).toBe(0);
  }, 120_000);

  it('when the API cannot listen (its port is taken): api, syncer, Postgres and gateway-mock are stopped, and it exits 1', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const apiPort = (taken.address() as net.AddressInfo).port;
      current = startRunApp({
        DATA_DIR: dataDir,
        EMBEDDED_PG_PORT: String(await freePort()),
        GATEWAY_PORT: String(await freePort()),
        API_PORT: String(apiPort),
      });
      const code = await current.exited;
      expect(current.seen().filter(isRunning)).toEqual([]);
      expect(code).toBe(1);
      expect(current.output()).toMatch(/a process exited \(code 1\); stopping the rest/);
      // Before the apps started, the dev client was given the walk-through's sender account.
      expect(current.output()).toMatch(/the dev client may now send from account 12345678/);
      const commands = commandsOf(current.seen());
      for (const part of [
        /bin\/postgres /,
        /apps\/gateway-mock\/src\/main\.ts/,
        /apps\/api\/src\/main\.ts/,
        /apps\/syncer\/src\/main\.ts/,
      ]) {
        expect(commands).toMatch(part);
      }
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }, 120_000);
});
