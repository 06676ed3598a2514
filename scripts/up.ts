import { type Infra, startInfra } from './infra.js';
import { isAlive } from './infra-state.js';

// `make up`: the infrastructure alone (embedded Postgres + gateway-mock), until SIGTERM/Ctrl-C.
// `make up` runs it in the background; `make down` stops it. `make run-app` runs it too
// (scripts/infra.ts, spawnInfra), with --owner=<its pid>: when that process is gone, this one stops.
const say = (line: string) => process.stdout.write(`[up] ${line}\n`);

let infra: Infra | undefined;
let stopRequested = false;
let stopping = false;
// Listening before anything starts: a signal that comes while Postgres is still starting is kept,
// and acted on once startInfra returns, so what it started is stopped rather than left behind.
async function stop() {
  stopRequested = true;
  if (!infra || stopping) return;
  stopping = true;
  await infra.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

const owner = Number(process.argv.find((arg) => arg.startsWith('--owner='))?.slice('--owner='.length));
if (owner) {
  setInterval(() => {
    if (!isAlive(owner)) void stop();
  }, 1000).unref();
}

try {
  infra = await startInfra({ log: say, gatewayLogs: false });
} catch (error) {
  say(`could not start the infrastructure: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
if (stopRequested) await stop();
say(`DATABASE_URL=${infra.databaseUrl}`);
say(`GATEWAY_URL=${infra.gatewayUrl}`);
