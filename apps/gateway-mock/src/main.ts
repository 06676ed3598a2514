/** The gateway-mock process: configuration from the environment, listen, close cleanly on SIGINT/SIGTERM. */
import { buildGatewayMock } from './app.js';
import { type GatewayMockEnv, loadEnv } from './env.js';

let config: GatewayMockEnv;
try {
  config = loadEnv();
} catch (error) {
  console.error(`gateway-mock: ${(error as Error).message}`);
  process.exit(1);
}

const app = buildGatewayMock({
  delaySeconds: config.delaySeconds,
  timestampStyle: config.timestampStyle,
  clockOffsetMs: config.clockOffsetMs,
  ...(config.faults === undefined ? {} : { faults: config.faults }),
  logger: { level: config.logLevel, base: { service: 'gateway-mock' } },
});

if (config.seedCount > 0) {
  const started = performance.now();
  app.mock.store.seed({ count: config.seedCount }, app.mock.now());
  app.log.info(
    { seeded: config.seedCount, ms: Math.round(performance.now() - started) },
    'seeded payments from GATEWAY_SEED_COUNT',
  );
}

let closing = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (closing) return;
  closing = true;
  app.log.info({ signal }, 'shutting down');
  try {
    await app.close();
    process.exit(0);
  } catch (error) {
    app.log.error({ err: error }, 'shutdown failed');
    process.exit(1);
  }
}
process.once('SIGINT', (signal) => void shutdown(signal));
process.once('SIGTERM', (signal) => void shutdown(signal));

try {
  await app.listen({ port: config.port, host: config.host });
  app.log.info(
    {
      delaySeconds: config.delaySeconds,
      timestampStyle: config.timestampStyle,
      clockOffsetMs: config.clockOffsetMs,
      faults: app.mock.faults.current(),
    },
    'gateway mock ready',
  );
} catch (error) {
  app.log.fatal({ err: error }, `gateway-mock could not listen on ${config.host}:${config.port}`);
  process.exit(1);
}
