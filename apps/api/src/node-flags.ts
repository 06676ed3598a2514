/**
 * The V8 flags the API runs with, wherever it runs (run-app, the Docker image, the bench).
 *
 * Under load, every request in flight is live when the young generation fills, so each
 * scavenge copies the working set of all of them; V8's default ceiling of 16 MB per semi-space
 * makes that happen every few hundred requests. At 32 MB the API spent 7–15 µs less CPU per
 * GET under the bench's GET load (medians 91 → 76 µs over three alternating rounds, 90 → 83 µs
 * over five in a noisier hour), and its peak RSS under that load fell from 200–233 MB to
 * 183–192 MB: fewer objects survive long enough to be promoted.
 */
export const API_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
