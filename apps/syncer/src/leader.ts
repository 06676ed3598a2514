import type { Logger, SqlClient } from '@pt/core';

/** The advisory lock only the polling syncer holds ("pt-sync" as a 64-bit key). */
export const SYNC_LOCK_KEY = 0x70742d73796e63n;

export interface Leadership {
  /** True when this process holds the lock (tries to take it when it does not). */
  acquire(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * Leadership through a session-level Postgres advisory lock on a reserved connection: it is
 * held as long as that connection lives, so a syncer that dies (even by SIGKILL) lets another
 * take over at its next try. A broken connection is dropped and leadership retried.
 */
export function createLeadership(sql: SqlClient, logger: Logger): Leadership {
  let reserved: Awaited<ReturnType<SqlClient['reserve']>> | null = null;
  let leader = false;

  async function drop() {
    const connection = reserved;
    reserved = null;
    leader = false;
    connection?.release();
  }

  return {
    async acquire() {
      try {
        reserved ??= await sql.reserve();
        if (leader) {
          // Still ours? A check on the same connection fails if the connection was lost.
          await reserved`SELECT 1`;
          return true;
        }
        const [row] = await reserved`SELECT pg_try_advisory_lock(${SYNC_LOCK_KEY.toString()}::bigint) AS locked`;
        leader = row?.locked === true;
        if (leader) logger.info('took the sync lock: this syncer polls the gateway');
        return leader;
      } catch (error) {
        logger.warn({ err: error }, 'lost the database connection holding the sync lock');
        await drop();
        return false;
      }
    },
    async release() {
      if (leader && reserved) {
        await reserved`SELECT pg_advisory_unlock(${SYNC_LOCK_KEY.toString()}::bigint)`.catch(() => {});
      }
      await drop();
    },
  };
}
