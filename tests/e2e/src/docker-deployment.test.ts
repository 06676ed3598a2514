import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_BUNDLES, COMMAND_BUNDLES, ROOT } from '../../../scripts/bundle.js';
import { type ComposeService, loadCompose, postgresInitScripts } from './compose-file.js';

/**
 * What docker-compose.yml, the Dockerfile and the ignore files promise, read the way compose and
 * Docker read them (this machine has no Docker engine to run them). The roles themselves are
 * proven on a real Postgres by database-roles.test.ts, the bundles by bundles.test.ts.
 */
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const compose = loadCompose();
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};
/** `${NAME:?message}`: compose's required variable, which has no default and stops compose when unset or empty. */
const REQUIRED_VARIABLE = /^\$\{([A-Z][A-Z0-9_]*):\?[^}]*\}$/;
const DATABASE_URL = /^postgres:\/\/([^:@/]+):(.+)@postgres:5432\/payments$/;

function databaseLogin(name: string): { user: string; password: string } {
  const match = DATABASE_URL.exec(String(service(name).environment?.DATABASE_URL));
  if (!match) throw new Error(`${name} has no DATABASE_URL of the compose database`);
  return { user: String(match[1]), password: String(match[2]) };
}

describe('docker-compose.yml', () => {
  it('gives no service the superuser: api and syncer log in as pt_app, migrate as pt_migrator', () => {
    expect(['api', 'syncer', 'migrate'].map((name) => [name, databaseLogin(name).user])).toEqual([
      ['api', 'pt_app'],
      ['syncer', 'pt_app'],
      ['migrate', 'pt_migrator'],
    ]);
    const everyUrl = Object.values(compose.services).flatMap((s) => Object.values(s.environment ?? {}).map(String));
    expect(everyUrl.filter((value) => value.startsWith('postgres://')).map((url) => DATABASE_URL.exec(url)?.[1])).not.toContain(
      'postgres',
    );
  });

  it('takes every password and key from .env, required and with no default, and .env.example lists exactly those', () => {
    const passwords = [
      ...Object.values(compose.services).flatMap((s) =>
        Object.entries(s.environment ?? {})
          .filter(([name]) => name.includes('PASSWORD') || name.includes('SECRET'))
          .map(([, value]) => String(value)),
      ),
      ...['api', 'syncer', 'migrate'].map((name) => databaseLogin(name).password),
    ];
    for (const password of passwords) expect(password).toMatch(REQUIRED_VARIABLE);
    const required = new Set(passwords.map((password) => REQUIRED_VARIABLE.exec(password)?.[1]));
    expect(required).toEqual(
      new Set(['PG_SUPERUSER_PASSWORD', 'PG_MIGRATOR_PASSWORD', 'PG_APP_PASSWORD', 'WEBHOOK_SECRET_KEYS']),
    );

    const example = read('.env.example')
      .split('\n')
      .filter((line) => /^[A-Z]/.test(line))
      .map((line) => line.split('='));
    expect(new Set(example.map(([name]) => name))).toEqual(required);
    expect(example.map(([, value]) => value)).toEqual(example.map(() => '')); // no password is written down
  });

  it('publishes the gateway-mock (its /__mock/payments shows full account numbers) and Postgres on 127.0.0.1 only', () => {
    for (const name of ['gateway-mock', 'postgres']) {
      const ports = service(name).ports ?? [];
      for (const port of ports) expect(port).toMatch(/^127\.0\.0\.1:/);
    }
  });

  it('sets the roles up on a new volume with an init script per step, whose SQL the role test runs', () => {
    const scripts = postgresInitScripts(compose);
    expect(scripts.map((file) => path.relative(ROOT, file))).toEqual([
      'docker/postgres/roles.sql',
      'docker/postgres/role-passwords.sh',
    ]);
    for (const file of scripts) expect(existsSync(file)).toBe(true);
  });

  it('runs the migrations from their bundle on plain node, and nothing through tsx', () => {
    expect(service('migrate').command).toEqual(['node', COMMAND_BUNDLES.migrate.outfile]);
    expect(read('docker-compose.yml')).not.toMatch(/tsx/);
  });
});

describe('the image (Dockerfile)', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^(?=FROM )/m).slice(1);
  const final = stages.at(-1) ?? '';

  it('starts every stage from one base image pinned to an exact Node version and a digest', () => {
    const base = /^ARG NODE_IMAGE=(.+)$/m.exec(dockerfile)?.[1];
    expect(base).toMatch(/^node:\d+\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(stages.length).toBeGreaterThan(1);
    for (const stage of stages) expect(stage.split('\n')[0]).toMatch(/^FROM \$\{NODE_IMAGE\}(?: AS \w+)?$/);
  });

  it('keeps only production dependencies, the bundles and the migrations in the final stage, run as the user node', () => {
    const build = stages[0] ?? '';
    const installs = build.split('\n').filter((line) => /pnpm install/.test(line) && !line.trim().startsWith('#'));
    expect(installs.at(-1)).toMatch(/--prod/);
    const copied = [...final.matchAll(/^COPY --from=build \/app\/(\S+) /gm)].map((match) => match[1]);
    const bundles = [...Object.values(APP_BUNDLES), ...Object.values(COMMAND_BUNDLES)].map(({ outfile }) =>
      path.dirname(outfile),
    );
    expect(new Set(copied)).toEqual(new Set(['node_modules', 'apps/api/node_modules', 'drizzle', ...bundles]));
    expect(final).not.toMatch(/^COPY (?!--from=build)/m);
    expect(final).not.toMatch(/^(?:RUN|CMD|ENTRYPOINT)\b.*(?:pnpm|\.bin\/tsx|--import tsx)/m);
    expect(/^USER (\S+)$/m.exec(final)?.[1]).toBe('node');
  });
});

describe('ignore files', () => {
  it('.dockerignore keeps .env (passwords) and .data (the dev cluster and key) out of the build context', () => {
    const patterns = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim());
    expect(patterns).toEqual(expect.arrayContaining(['.env', '.data']));
  });

  it('git ignores .env but not .env.example', () => {
    const ignored = (file: string) => spawnSync('git', ['check-ignore', '-q', file], { cwd: ROOT }).status === 0;
    expect(ignored('.env')).toBe(true);
    expect(ignored('.env.example')).toBe(false);
  });
});
