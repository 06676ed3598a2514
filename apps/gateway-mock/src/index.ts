/** @pt/gateway-mock — a stand-in for the external payment gateway, with fault injection and bulk seeding. */
import type { AddressInfo } from 'node:net';
import { buildGatewayMock, type GatewayMockInstance } from './app.js';
import type { GatewayMockOptions } from './state.js';

export { buildGatewayMock, type GatewayMockInstance } from './app.js';
export { type ClockRequestBody, clockRequestSchema, MAX_CLOCK_OFFSET_MS, MockClock } from './clock.js';
export {
  ERROR_STATUS_CODES,
  type FaultConfig,
  FaultController,
  faultConfigSchema,
  parseFaultsEnv,
  type ResolvedFaultConfig,
  STATUS_FAULT_KINDS,
  type StatusFaultKind,
  type StatusFaultRule,
  SUBMIT_FAULT_KINDS,
  type SubmitFaultKind,
  type SubmitFaultRule,
} from './faults.js';
export { type SeedRequestBody, seedRequestSchema } from './routes-control.js';
export type { GatewayMockHandle, GatewayMockOptions, GatewayMockStats } from './state.js';
export { type Payment, type PaymentStatus, PaymentStore, resolutionFor, type SeedStatus } from './store.js';
export { formatTimestamp, parseTimestamp, type TimestampStyle } from './timestamps.js';

export interface StartGatewayMockOptions extends GatewayMockOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface RunningGatewayMock {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  url: string;
  app: GatewayMockInstance;
  close(): Promise<void>;
}

/** Builds the mock and listens; `close()` also releases hung connections. */
export async function startGatewayMock(options: StartGatewayMockOptions = {}): Promise<RunningGatewayMock> {
  const { port = 0, host = '127.0.0.1', ...rest } = options;
  const app = buildGatewayMock(rest);
  await app.listen({ port, host });
  const address = app.server.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostPart}:${address.port}`,
    app,
    close: async () => {
      await app.close();
    },
  };
}
