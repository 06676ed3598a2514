import { createSql, type Logger } from '@pt/core';

/** The advisory lock only the polling syncer holds ("pt-sync" as a 64-bit key). */
export const SYNC_LOCK_KEY = 0x70742d73796e63n;

export interface Leadership {
  /** True when this process holds the lock (tries to take it when it does not). */
  acquire(): Promise<boolean>;
  release(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 5000;

/**
 * Leadership through a session-level Postgres advisory lock, on a client of its own with one
 * connection: the lock lives as long as that session, so a syncer that dies (even by SIGKILL)
 * lets another take over at its next try. Each check asks Postgres whether *this session*
 * holds the lock, taking it if free; after a lost connection the new session simply competes
 * again, so a syncer can never believe it leads on a lock that a reconnect silently dropped.
 */
export function createLeadership(databaseUrl: string, logger: Logger): Leadership {
  const { sql, close } = createSql(databaseUrl, { max: 1, applicationName: 'payment-tracker-syncer-lock' });
  const key = SYNC_LOCK_KEY.toString();
  let leader = false;

  async function check(): Promise<boolean> {
    const [row] = await sql`
      SELECT CASE
        WHEN EXISTS (
          SELECT 1 FROM pg_locks
          WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted
            AND ((classid::bigint << 32) | objid::bigint) = ${key}::bigint
        ) THEN true
        ELSE pg_try_advisory_lock(${key}::bigint)
      END AS held`;
    return row?.held === true;
  }

  return {
    async acquire() {
      let timer: NodeJS.Timeout | undefined;
      try {
        // A check that cannot reach the database must not stall the cycle: give up and retry later.
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('lock check timed out')), CHECK_TIMEOUT_MS);
        });
        const held = await Promise.race([check(), timeout]);
        if (held && !leader) logger.info('took the sync lock: this syncer polls the gateway');
        if (!held && leader) logger.warn('lost the sync lock');
        leader = held;
      } catch (error) {
        if (leader) logger.warn({ err: error }, 'lost the database connection holding the sync lock');
        leader = false;
      } finally {
        clearTimeout(timer);
      }
      return leader;
    },
    async release() {
      leader = false;
      // Ending the session releases its locks.
      await close().catch(() => {});
    },
  };
}
