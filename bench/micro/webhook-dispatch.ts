/**
 * The whole dispatcher in one process, without the syncer around it: a backlog of N status
 * changes (the syncer's bulk apply, one statement) drained by `dispatchWebhooks` runs, as the
 * syncer's webhook loop calls it, to the bench's receiver in a child process. Prints, per round,
 * the rate and the CPU per delivery of this process (the dispatcher: its sends and its
 * statements) and of the database server. Run it under `node --cpu-prof` (through tsx's
 * NODE_OPTIONS) to see where the dispatcher's own time goes, without the other processes' time
 * the bench's wall-clock profile attributes to it on a busy machine.
 *
 *   [ROUNDS=3] [WEBHOOK_BATCH_SIZE=…] node_modules/.bin/tsx bench/micro/webhook-dispatch.ts [N]
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import {
  createGatewayChangesRepository,
  createLogger,
  createSecretBox,
  createTargetPolicy,
  createWebhookDeliveriesRepository,
  createWebhookEndpointsRepository,
  createWebhookSender,
  newSigningSecret,
  WEBHOOK_EVENT_TYPES,
} from '@pt/core';
import { dispatchWebhooks, loadSyncerConfig } from '@pt/syncer';
import { postgresCpuMicros } from '../lib/cpu-time.js';
import { createBenchClient, startDatabase } from '../lib/infra.js';
import { freshPendingPayments, resolutions } from '../lib/webhook-backlog.js';
import { startWebhookReceiver } from '../lib/webhook-receiver.js';

const N = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);

if (process.env.RECEIVER_CHILD) {
  const receiver = await startWebhookReceiver();
  process.send?.(receiver.url);
  process.on('message', () => receiver.reset());
} else {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const child = fork(new URL(import.meta.url).pathname, [], { env: { ...process.env, RECEIVER_CHILD: '1' } });
  const [url] = (await once(child, 'message')) as [string];
  const db = await startDatabase(process.env.BENCH_DATABASE_URL, log);
  const { sql } = db;
  try {
    const { clientId } = await createBenchClient(db.url);
    await createWebhookEndpointsRepository(sql).create({
      clientId,
      url,
      eventTypes: [...WEBHOOK_EVENT_TYPES],
      enabled: true,
      description: 'micro',
      secret: newSigningSecret(),
    });
    // the dispatcher's settings from the environment (WEBHOOK_BATCH_SIZE, WEBHOOK_CONCURRENCY...)
    const config = loadSyncerConfig({ ...process.env, DATABASE_URL: db.url, GATEWAY_URL: 'http://127.0.0.1:9' });
    const webhookSender = createWebhookSender({
      policy: createTargetPolicy({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8' }),
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      secrets: createSecretBox([]),
    });
    const deps = {
      webhookDeliveries: createWebhookDeliveriesRepository(sql),
      webhookSender,
      config,
      logger: createLogger({ name: 'micro', level: 'warn' }),
    };
    const [backend] = await sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
    const dbCpu = () => postgresCpuMicros(backend?.pid ?? 0) ?? 0;

    for (let round = 1; round <= ROUNDS; round++) {
      const confirmationIds = await freshPendingPayments(sql, clientId, N);
      await createGatewayChangesRepository(sql).applyGatewayChanges(resolutions(confirmationIds), new Date());
      child.send('reset');
      const [cpu, databaseCpu, at] = [process.cpuUsage(), dbCpu(), performance.now()];
      let sent = 0;
      for (let runs = 0; sent < N && runs < 10_000; runs++) {
        const result = await dispatchWebhooks(deps);
        sent += result.sent;
        if (!result.more && result.sent === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const seconds = (performance.now() - at) / 1000;
      const used = process.cpuUsage(cpu);
      log(
        `round ${round}: ${sent} sent in ${seconds.toFixed(2)} s (${Math.round(sent / seconds)}/s); CPU per delivery: ` +
          `dispatcher ${((used.user + used.system) / sent).toFixed(1)} µs, database ${((dbCpu() - databaseCpu) / sent).toFixed(1)} µs`,
      );
    }
    await webhookSender.close();
  } finally {
    await db.stop();
    child.kill();
  }
}
