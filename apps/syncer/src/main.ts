import { createLogger, loadConfigOrExit } from '@pt/core';
import closeWithGrace from 'close-with-grace';
import { loadSyncerConfig } from './config.js';
import { createSyncerDeps } from './deps.js';
import { createSyncer } from './syncer.js';

const config = loadConfigOrExit(() => loadSyncerConfig());
const logger = createLogger({ name: config.SYNCER_JOBS === 'webhooks' ? 'webhooks' : 'syncer', level: config.LOG_LEVEL });
const deps = createSyncerDeps(config, logger);
const syncer = createSyncer(deps);

closeWithGrace({ delay: 30_000 }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'closing after an error');
  else logger.info({ signal }, 'finishing the cycle in progress, then stopping');
  await syncer.stop();
  await deps.close();
});

await syncer.start();
logger.info({ jobs: config.SYNCER_JOBS, intervalMs: config.SYNC_INTERVAL_MS }, 'syncer started');
