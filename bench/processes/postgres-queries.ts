/**
 * Raw postgres.js without HTTP: QUERIES `SELECT id … WHERE id = $1` at 50 in flight on a pool
 * of 10 (the measurement that found the slowdown the patch fixes; see case 5 in bench/README.md),
 * with the postgres.js module given in PG_MODULE (stock or patched). Sends
 * { queriesPerSecond, cpuMicrosPerQuery } to the parent over IPC.
 */
import type postgresType from 'postgres';

const { DATABASE_URL: url, PG_MODULE: moduleUrl } = process.env;
const queries = Number(process.env.QUERIES);
if (!url || !moduleUrl || !(queries > 0)) throw new Error('DATABASE_URL, PG_MODULE and QUERIES are required');

const { default: postgres } = (await import(moduleUrl)) as { default: typeof postgresType };
const sql = postgres(url, { max: 10, onnotice: () => {} });
const ids = (await sql<{ id: string }[]>`SELECT id FROM payments LIMIT 5000`).map((row) => row.id);
if (ids.length === 0) throw new Error('no payments to read');

async function run(total: number, inFlight = 50): Promise<void> {
  let issued = 0;
  const worker = async () => {
    while (issued < total) {
      const id = ids[issued++ % ids.length] as string;
      await sql`SELECT id FROM payments WHERE id = ${id}`;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

await run(5000); // connections open, statements prepared, JIT warm
const cpu = process.cpuUsage();
const started = performance.now();
await run(queries);
const seconds = (performance.now() - started) / 1000;
const used = process.cpuUsage(cpu);
await sql.end({ timeout: 5 });
process.send?.({ queriesPerSecond: queries / seconds, cpuMicrosPerQuery: (used.user + used.system) / queries, seconds }, () =>
  process.disconnect(),
);
