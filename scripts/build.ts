/** `make build`: the apps bundled into apps/<app>/dist/main.mjs (see scripts/bundle.ts). */
import path from 'node:path';
import { bundleApps, ROOT } from './bundle.js';

for (const file of await bundleApps()) process.stdout.write(`built ${path.relative(ROOT, file)}\n`);
