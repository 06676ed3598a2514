/** The syncer as a library, for tests and benchmarks that run it in-process. */
export { loadSyncerConfig, SYNCER_JOBS, type SyncerConfig, syncerEnvSchema } from './config.js';
export { createSyncerDeps, type SyncerDeps } from './deps.js';
export { createLeadership, SYNC_LOCK_KEY } from './leader.js';
export { SYNCER_NODE_FLAGS, syncerNodeFlags, WEBHOOKS_NODE_FLAGS } from './node-flags.js';
export { type ReconcileResult, reconcile } from './reconcile.js';
export { resubmitDue } from './resubmit.js';
export { createSyncer, type Syncer } from './syncer.js';
export { dispatchWebhooks } from './webhooks.js';
