/**
 * The V8 flags the API runs with, wherever it runs (run-app, the Docker image, the bench).
 *
 * Under load, every request in flight is live when the young generation fills, so each
 * scavenge copies the working set of all of them; V8's default ceiling of 16 MB per semi-space
 * makes that happen every few hundred requests. At 32 MB the API spends less CPU per GET under
 * the bench's GET load, and its peak RSS under that load is lower: fewer objects survive long
 * enough to be promoted (figures in bench/README.md, "Latest results").
 */
export const API_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
