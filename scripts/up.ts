import { startInfra } from './infra.js';

// `make up`: the infrastructure alone (embedded Postgres + gateway-mock), until SIGTERM/Ctrl-C.
// `make up` runs it in the background; `make down` stops it.
const say = (line: string) => process.stdout.write(`[up] ${line}\n`);
const infra = await startInfra({ log: say, gatewayLogs: false });
say(`DATABASE_URL=${infra.databaseUrl}`);
say(`GATEWAY_URL=${infra.gatewayUrl}`);
const stop = async () => {
  await infra.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
