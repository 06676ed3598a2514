import type postgres from 'postgres';

/** The readiness probe's one statement. */
export function createHealthRepository(sql: postgres.Sql) {
  return {
    /** Whether the database answers a trivial query within `timeoutMs` (false on any failure). */
    async isReachable(timeoutMs: number): Promise<boolean> {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs).unref();
      });
      try {
        await Promise.race([sql`SELECT 1`, timeout]);
        return true;
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export type HealthRepository = ReturnType<typeof createHealthRepository>;
