/**
 * The webhook dispatcher's statements without HTTP: a backlog of N status changes (written by the
 * syncer's bulk apply, as in case 6) fanned out a piece of BATCH at a time with each piece's first
 * attempts leased, what had to wait claimed, everything recorded as delivered, half a batch per
 * record, as the dispatcher does. Prints, per step, the wall time, the
 * database server's CPU (its processes' /proc times) and this process's (postgres.js's, mostly)
 * per delivery, so a change to a statement shows its cost where the webhook case only shows the
 * sum. EXPLAIN=k prints, in round k, the plans of the fan-out and records of the first piece (of
 * the piece after EXPLAIN_AT deliveries; auto_explain: analyzed, with buffers, WAL and triggers).
 *
 *   [ROUNDS=3] [WEBHOOK_BATCH_SIZE=500] [EXPLAIN=k [EXPLAIN_AT=n]] node_modules/.bin/tsx bench/micro/webhook-statements.ts [N]
 */
import {
  type ClaimedDelivery,
  createGatewayChangesRepository,
  createWebhookDeliveriesRepository,
  createWebhookEndpointsRepository,
  newSigningSecret,
  WEBHOOK_EVENT_TYPES,
} from '@pt/core';
import postgres from 'postgres';
import { postgresCpuMicros } from '../lib/cpu-time.js';
import { createBenchClient, startDatabase } from '../lib/infra.js';
import { freshPendingPayments, resolutions } from '../lib/webhook-backlog.js';

const N = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
/** The dispatcher's WEBHOOK_BATCH_SIZE (its default unless given). */
const BATCH = Number(process.env.WEBHOOK_BATCH_SIZE ?? 1000);
const APPLY_BATCH = 5000;
const RETRY_FOR_MS = 3 * 86_400_000;

const log = (line: string) => process.stderr.write(`${line}\n`);
const db = await startDatabase(process.env.BENCH_DATABASE_URL, log);
const { sql } = db;
try {
  const { clientId } = await createBenchClient(db.url);
  await createWebhookEndpointsRepository(sql).create({
    clientId,
    url: 'http://127.0.0.1:9/',
    eventTypes: [...WEBHOOK_EVENT_TYPES],
    enabled: true,
    description: 'micro',
    secret: newSigningSecret(),
  });
  const deliveries = createWebhookDeliveriesRepository(sql);
  // one connection, so the session's auto_explain settings hold for every statement on it
  const explaining = postgres(db.url, { max: 1, onnotice: (notice) => log(String(notice.message)) });
  await explaining.unsafe(
    `LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on;
     SET auto_explain.log_buffers = on; SET auto_explain.log_wal = on; SET auto_explain.log_triggers = on;
     SET auto_explain.log_nested_statements = on; SET client_min_messages = log`,
  );
  const explained = createWebhookDeliveriesRepository(explaining);
  const [backend] = await sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
  const dbCpu = () => postgresCpuMicros(backend?.pid ?? 0) ?? 0;

  for (let round = 1; round <= ROUNDS; round++) {
    const confirmationIds = await freshPendingPayments(sql, clientId, N);
    const changes = createGatewayChangesRepository(sql);
    for (let at = 0; at < N; at += APPLY_BATCH) {
      await changes.applyGatewayChanges(resolutions(confirmationIds.slice(at, at + APPLY_BATCH)), new Date());
    }

    const steps = {
      fanOut: { ms: 0, cpu: 0, client: 0 },
      claim: { ms: 0, cpu: 0, client: 0 },
      record: { ms: 0, cpu: 0, client: 0 },
    };
    const timed = async <T>(step: keyof typeof steps, run: () => Promise<T>): Promise<T> => {
      const [cpu, client, at] = [dbCpu(), process.cpuUsage(), performance.now()];
      const result = await run();
      const used = process.cpuUsage(client);
      steps[step].ms += performance.now() - at;
      steps[step].cpu += dbCpu() - cpu;
      steps[step].client += used.user + used.system;
      return result;
    };
    const explain = Number(process.env.EXPLAIN ?? 0) === round;
    let [fanned, done, fanDone] = [0, 0, false];
    for (;;) {
      const repository =
        explain && done === (process.env.EXPLAIN_AT ? Number(process.env.EXPLAIN_AT) : 0) ? explained : deliveries;
      let claimed: ClaimedDelivery[];
      if (!fanDone) {
        // as the dispatcher: a piece at a time, its first attempts leased to the caller
        const piece = await timed('fanOut', () => repository.fanOut(RETRY_FOR_MS, { limit: BATCH, leaseMs: 60_000 }));
        [fanned, fanDone, claimed] = [fanned + piece.fanned, piece.done, piece.leased];
      } else {
        claimed = await timed('claim', () => repository.claimDue(BATCH, 60_000));
        if (claimed.length === 0) break;
      }
      for (let at = 0; at < claimed.length; at += BATCH / 2) {
        const attempts = claimed.slice(at, at + BATCH / 2).map((delivery) => ({
          delivery,
          record: {
            startedAt: new Date(),
            durationMs: 3,
            httpStatus: 200,
            responseExcerpt: 'ok',
            error: null,
            delivered: true,
            retryInMs: 5000,
          },
        }));
        await timed('record', () => repository.recordAttempts(attempts, 5 * 86_400_000));
      }
      done += claimed.length;
    }
    const per = (value: number) => (value / done).toFixed(1).padStart(6);
    log(`round ${round}: ${fanned} fanned, ${done} leased or claimed, and recorded`);
    for (const [name, step] of Object.entries(steps))
      log(
        `  ${name.padEnd(7)} wall ${per(step.ms * 1000)} µs, database CPU ${per(step.cpu)} µs, ` +
          `client CPU ${per(step.client)} µs per delivery`,
      );
  }
  await explaining.end();
} finally {
  await db.stop();
}
