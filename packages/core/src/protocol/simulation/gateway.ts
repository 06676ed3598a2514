/**
 * A simulated payment gateway, as the real one and the proxies in front of it misbehave. It
 * records a request some time after receiving it (its "recording delay", within the bound
 * unless the schedule says otherwise), stamps it with its own clock (ours + offset + drift,
 * with an optional step, optionally truncated to the second), and answers with one of the
 * fault kinds below. It keeps the truth no real gateway tells: which of our attempts created
 * each entry, so the invariants can be checked.
 *
 * Answers go through the production classifiers (classifyStatusCode / classifyNetworkError),
 * so a change in what counts as proof of non-delivery is exercised here.
 */
import { classifyNetworkError, classifyStatusCode, errorCode } from '../../gateway/classify.js';
import type { SubmitOutcome } from '../../gateway/gateway-client.js';
import type { GatewayStatus } from '../../payments/status.js';
import type { EventQueue } from './events.js';
import type { Random } from './random.js';
import { type Schedule, SETTINGS } from './schedule.js';

export const FAULT_KINDS = [
  /** connection refused: never reached it */
  'refused',
  /** 429 (with a Retry-After, sometimes huge), before recording */
  'too_many_requests',
  /** 408, before recording */
  'request_timeout',
  /** 422: refused for good */
  'refused_for_good',
  /** 500/502/503/504 after the gateway recorded it (a proxy answering for a slow upstream) */
  'server_error_after_recording',
  /** connection reset after recording */
  'reset_after_recording',
  /** no answer at all, recorded */
  'timeout_after_recording',
  /** 502/503/504 and NOT recorded: ambiguous, but nothing at the gateway */
  'server_error_unrecorded',
  /** no answer and NOT recorded */
  'timeout_unrecorded',
  /** 2xx with a body that cannot be read, recorded */
  'broken_body_after_recording',
  /** accepted, but the answer arrives after the client's deadline */
  'answer_after_deadline',
  /** 503 at once, the upstream records it later (up to the recording delay) */
  'server_error_then_recording',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface GatewayEntry {
  confirmationId: string;
  /** created_at as the list shows it (gateway clock, possibly truncated). */
  createdAt: number;
  finalStatus: GatewayStatus;
  /** Our time at which the entry moves from pending to its final status. */
  settleAt: number;
  /** The truth: which attempt's request created it. */
  paymentId: string;
  attempt: number;
  receivedAt: number;
  recordedAt: number;
  wiped: boolean;
}

export interface ListedEntry {
  confirmationId: string;
  createdAt: number;
  status: GatewayStatus;
}

export interface SubmitFate {
  /** When the client has its outcome (an answer, or its deadline). */
  at: number;
  outcome: SubmitOutcome;
  fault: FaultKind | 'none';
}

export class SimGateway {
  readonly entries: GatewayEntry[] = [];
  /** Recordings scheduled and not yet made. */
  pendingRecordings = 0;
  /** Whether any recording came later than the bound after its request arrived. */
  exceededBound = false;
  wiped = false;
  /** How many sends met each fault kind. */
  readonly faults: Partial<Record<FaultKind | 'none', number>> = {};
  private nextId = 1;

  constructor(
    private readonly events: EventQueue,
    private readonly random: Random,
    private readonly schedule: Schedule,
    private readonly faultsUntil: number,
  ) {
    if (schedule.wipeAtMs !== null) {
      events.at(schedule.wipeAtMs, () => {
        this.wiped = true;
        for (const e of this.entries) e.wiped = true;
      });
    }
  }

  /** The gateway's clock at our time `t`, as it writes created_at. */
  clock(t: number): number {
    const s = this.schedule;
    const raw = t + s.offsetMs + Math.round((s.driftPpm * t) / 1e6) + (s.step && t >= s.step.atMs ? s.step.byMs : 0);
    return s.truncateSeconds ? Math.floor(raw / 1000) * 1000 : raw;
  }

  /** GET /status at our time `now`: every entry still in its store, once. */
  list(now: number): ListedEntry[] {
    const listed: ListedEntry[] = [];
    for (const e of this.entries) {
      if (e.wiped) continue;
      listed.push({
        confirmationId: e.confirmationId,
        createdAt: e.createdAt,
        status: now >= e.settleAt ? e.finalStatus : 'pending',
      });
    }
    if (listed.length > 0 && this.random.chance(this.schedule.duplicateRate)) listed.push({ ...this.random.pick(listed) });
    return listed;
  }

  /** POST /submit leaving us at `now`: what the client will see, and when. */
  submit(now: number, paymentId: string, attempt: number): SubmitFate {
    const r = this.random;
    const faulty = now < this.faultsUntil;
    const fault: FaultKind | 'none' = faulty && r.chance(this.schedule.faultRate) ? r.pick(FAULT_KINDS) : 'none';
    this.faults[fault] = (this.faults[fault] ?? 0) + 1;
    const deadline = now + SETTINGS.submitTimeoutMs;
    const receivedAt = now + r.int(1, 40);
    const back = () => r.int(1, 40);
    const timeout = (): SubmitFate => ({ at: deadline, outcome: networkFailure('UND_ERR_HEADERS_TIMEOUT', 'timeout'), fault });
    /** A recording `delay` after arrival (beyond the bound sometimes, if the schedule says so). */
    const record = (delay: number): { confirmationId: string; createdAt: number; recordedAt: number } => {
      const late = faulty && r.chance(this.schedule.beyondBoundRate);
      const d = late ? r.int(SETTINGS.recordingDelayMs + 1, 4 * SETTINGS.recordingDelayMs) : delay;
      if (d > SETTINGS.recordingDelayMs) this.exceededBound = true;
      const recordedAt = receivedAt + d;
      const confirmationId = `g${this.nextId++}`;
      const createdAt = this.clock(recordedAt);
      this.pendingRecordings++;
      this.events.at(recordedAt, () => {
        this.pendingRecordings--;
        this.entries.push({
          confirmationId,
          createdAt,
          finalStatus: r.weighted<GatewayStatus>([
            ['settled', 80],
            ['failed', 12],
            ['returned', 8],
          ]),
          settleAt: recordedAt + r.int(1000, 15_000),
          paymentId,
          attempt,
          receivedAt,
          recordedAt,
          wiped: false,
        });
      });
      return { confirmationId, createdAt, recordedAt };
    };
    const anyDelay = () => r.int(0, SETTINGS.recordingDelayMs);
    const within = (at: number, fate: SubmitFate): SubmitFate => (at <= deadline ? { ...fate, at } : timeout());

    switch (fault) {
      case 'none': {
        // Now and then (while faults last) a slow gateway: past the client's deadline.
        const rec = record(faulty && r.chance(0.1) ? r.int(0, 2500) : r.int(0, 100));
        return within(rec.recordedAt + back(), { at: 0, outcome: acceptedOutcome(rec), fault });
      }
      case 'refused':
        return { at: now + r.int(1, 5), outcome: networkFailure('ECONNREFUSED', 'connect ECONNREFUSED'), fault };
      case 'too_many_requests': {
        const retryAfterMs = r.pick([undefined, 500, 5000, 86_400_000 * 7]);
        return { at: receivedAt + back(), outcome: statusAnswer(429, retryAfterMs), fault };
      }
      case 'request_timeout':
        return { at: receivedAt + back(), outcome: statusAnswer(408), fault };
      case 'refused_for_good':
        return { at: receivedAt + back(), outcome: statusAnswer(422), fault };
      case 'server_error_after_recording': {
        const rec = record(anyDelay());
        return within(rec.recordedAt + back(), { at: 0, outcome: statusAnswer(r.pick([500, 502, 503, 504])), fault });
      }
      case 'reset_after_recording': {
        const rec = record(anyDelay());
        return within(rec.recordedAt + back(), { at: 0, outcome: networkFailure('ECONNRESET', 'socket hang up'), fault });
      }
      case 'timeout_after_recording':
        record(anyDelay());
        return timeout();
      case 'server_error_unrecorded':
        return { at: receivedAt + back(), outcome: statusAnswer(r.pick([502, 503, 504])), fault };
      case 'timeout_unrecorded':
        return timeout();
      case 'broken_body_after_recording': {
        const rec = record(anyDelay());
        return within(rec.recordedAt + back(), { at: 0, outcome: brokenBody(), fault });
      }
      case 'answer_after_deadline':
        // Recorded within the bound; the acceptance is on its way when the client gives up.
        record(anyDelay());
        return timeout();
      case 'server_error_then_recording':
        record(anyDelay());
        return { at: receivedAt + back(), outcome: statusAnswer(503), fault };
    }
  }
}

function acceptedOutcome(rec: { confirmationId: string; createdAt: number }): SubmitOutcome {
  return { kind: 'accepted', confirmationId: rec.confirmationId, gatewayCreatedAt: new Date(rec.createdAt) };
}

/** As gateway-client.ts turns an HTTP status into an outcome. */
function statusAnswer(statusCode: number, retryAfterMs?: number): SubmitOutcome {
  const kind = classifyStatusCode(statusCode);
  if (kind === 'ok') throw new Error('statusAnswer is for failures');
  const reason = kind === 'rejected' ? `gateway refused the payment (HTTP ${statusCode})` : `gateway answered ${statusCode}`;
  return retryAfterMs === undefined ? { kind, reason } : { kind, reason, retryAfterMs };
}

/** As gateway-client.ts turns a socket error into an outcome. */
function networkFailure(code: string, message: string): SubmitOutcome {
  const error = Object.assign(new Error(message), { code });
  const kind = classifyNetworkError(error);
  return {
    kind,
    reason: `${kind === 'not_delivered' ? 'gateway unreachable' : 'no answer from the gateway after sending'} (${errorCode(error)})`,
  };
}

function brokenBody(): SubmitOutcome {
  return { kind: 'ambiguous', reason: 'gateway answered 2xx with an unusable body' };
}
