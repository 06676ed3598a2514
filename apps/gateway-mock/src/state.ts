/** The mock's mutable state, shared by its routes and exposed to tests as `app.mock`. */
import { MockClock } from './clock.js';
import { type FaultConfig, FaultController, type FaultCounts } from './faults.js';
import { Inflight } from './inflight.js';
import { PaymentStore } from './store.js';
import type { TimestampStyle } from './timestamps.js';

export interface GatewayMockOptions {
  /** Seconds until a payment resolves (fractions allowed); default 10. */
  delaySeconds?: number;
  /** Faults active from the start. */
  faults?: FaultConfig;
  /** `naive` (default, like the real gateway): `2026-01-01T12:00:00.123000`; `iso`: `...123Z`. */
  timestampStyle?: TimestampStyle;
  /** Fastify logger option; default false. */
  logger?: boolean | Record<string, unknown>;
  /** Clock in epoch milliseconds; default Date.now. `clockOffsetMs` applies on top of it. */
  now?: () => number;
  /**
   * Milliseconds added to the clock (negative: behind), for a gateway whose clock is off;
   * default 0. Stamps created_at/updated_at and drives resolution; `PUT /__mock/clock` steps it.
   */
  clockOffsetMs?: number;
}

export interface Counters {
  submits_received: number;
  submits_recorded: number;
  submits_invalid: number;
  status_requests: number;
}

export interface GatewayMockStats extends Counters {
  payments: number;
  pending: number;
  hung_connections: number;
  faults_injected: FaultCounts;
}

export interface GatewayMockHandle {
  readonly store: PaymentStore;
  readonly faults: FaultController;
  readonly inflight: Inflight;
  readonly counters: Counters;
  readonly clock: MockClock;
  /** `clock.now`: the mock's time, offset included. */
  readonly now: () => number;
  readonly timestampStyle: TimestampStyle;
  stats(): GatewayMockStats;
  resetStats(): void;
}

export const DEFAULT_DELAY_SECONDS = 10;

function zeroCounters(): Counters {
  return { submits_received: 0, submits_recorded: 0, submits_invalid: 0, status_requests: 0 };
}

export function createHandle(options: GatewayMockOptions): GatewayMockHandle {
  const delaySeconds = options.delaySeconds ?? DEFAULT_DELAY_SECONDS;
  if (!(Number.isFinite(delaySeconds) && delaySeconds >= 0)) {
    throw new RangeError(`delaySeconds must be a finite number >= 0, got ${delaySeconds}`);
  }
  const timestampStyle = options.timestampStyle ?? 'naive';
  const store = new PaymentStore({ delayMs: delaySeconds * 1000, timestampStyle });
  const faults = new FaultController(options.faults);
  const inflight = new Inflight();
  const counters = zeroCounters();
  const clock = new MockClock(options.now, options.clockOffsetMs);
  return {
    store,
    faults,
    inflight,
    counters,
    clock,
    now: clock.now,
    timestampStyle,
    stats: () => ({
      ...counters,
      payments: store.size,
      pending: store.pendingCount,
      hung_connections: inflight.hungCount,
      faults_injected: faults.injected(),
    }),
    resetStats: () => {
      Object.assign(counters, zeroCounters());
      faults.resetCounts();
    },
  };
}
