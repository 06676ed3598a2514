/** `make build`: the apps into apps/<app>/dist/main.mjs, the commands into dist/ (see scripts/bundle.ts). */
import path from 'node:path';
import { bundleApps, bundleCommands, ROOT } from './bundle.js';

for (const file of [...(await bundleApps()), ...(await bundleCommands())]) {
  process.stdout.write(`built ${path.relative(ROOT, file)}\n`);
}
