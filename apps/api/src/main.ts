import { createLogger, loadConfigOrExit } from '@pt/core';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { loadApiConfig } from './config.js';
import { createApiDeps } from './deps.js';

const config = loadConfigOrExit(() => loadApiConfig());
const logger = createLogger({ name: 'api', level: config.LOG_LEVEL });
const deps = createApiDeps(config, logger);
const app = await buildApp(deps);

closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'closing after an error');
  else logger.info({ signal }, 'shutting down');
  await app.close();
  await deps.close();
});

await app.listen({ port: config.API_PORT, host: config.API_HOST });
