/**
 * The V8 flags the syncer runs with, wherever it runs (run-app, docker compose, the bench), except
 * a process that only dispatches webhooks (SYNCER_JOBS=webhooks: WEBHOOKS_NODE_FLAGS below).
 *
 * The syncer's live heap is small and bounded (its code and state, plus a few dozen bytes per
 * pending payment; sizes in bench/README.md), but it allocates fast while it parses GET /status.
 * With V8's defaults the heap grows to four times its live size before a full collection. A declared old-space ceiling
 * puts V8 in its small-heap mode, where the heap grows by about 1.6× before collecting, and
 * smaller semi-spaces keep the young generation at 8 MB: a cycle over 1M gateway entries peaks
 * much lower, in the same time (`make bench`; figures in bench/README.md).
 *
 * 512 MB is a ceiling, not a budget: it leaves room for a few million pending payments.
 * Raise it (the last flag given wins) for a larger backlog.
 */
export const SYNCER_NODE_FLAGS: readonly string[] = ['--max-old-space-size=512', '--max-semi-space-size=4'];

/**
 * The V8 flags of a syncer that only dispatches webhooks (SYNCER_JOBS=webhooks). The dispatcher
 * holds a batch of deliveries while it sends them, thousands of allocations apart: with 4 MB
 * semi-spaces every scavenge copied that batch, which cost it more CPU per delivery than 16 MB do
 * (figures in bench/README.md, webhooks). It parses no gateway list, so the larger young
 * generation costs it no peak.
 */
export const WEBHOOKS_NODE_FLAGS: readonly string[] = ['--max-old-space-size=512', '--max-semi-space-size=16'];

/** The flags for a syncer process that runs `jobs`. */
export function syncerNodeFlags(jobs: string | undefined): readonly string[] {
  return jobs === 'webhooks' ? WEBHOOKS_NODE_FLAGS : SYNCER_NODE_FLAGS;
}
