import pRetry from 'p-retry';
import { Agent, request } from 'undici';
import { Deadline } from '../deadline.js';
import type { Logger } from '../logging/logger.js';
import { logPreview, maskAccountsInText } from '../logging/redaction.js';
import { classifyNetworkError, classifyStatusCode, errorCode, type SubmitFailureKind } from './classify.js';
import { isRawStatusEntry, type RawStatusEntry, type SubmitRequest, submitResponseSchema } from './contract.js';
import { JsonArraySplitter } from './json-array-splitter.js';

export type SubmitOutcome =
  /** gatewayCreatedAt: null when the gateway's answer had no readable created_at. */
  | { kind: 'accepted'; confirmationId: string; gatewayCreatedAt: Date | null }
  | { kind: SubmitFailureKind; reason: string; retryAfterMs?: number };

export interface StatusStreamResult {
  entries: number;
  skipped: number;
}

export interface GatewayClientOptions {
  baseUrl: string;
  /** Time allowed for a submit answer; past it the outcome is unknown. */
  submitTimeoutMs: number;
  /** Time allowed between chunks of GET /status. */
  statusTimeoutMs: number;
  /** Retries of GET /status within one call (reading it is safe to repeat). */
  statusRetries?: number;
  logger: Logger;
}

export interface GatewayClient {
  submit(payment: SubmitRequest): Promise<SubmitOutcome>;
  /**
   * Streams GET /status, handing each entry (with a string confirmation_id; others are counted
   * as skipped) to `onEntry`, a parsed batch of entries at a time (JsonArraySplitter), and
   * awaiting `afterBatch` after each batch (backpressure: nothing more is read meanwhile).
   * Memory is bounded by a batch, not the list. Retried from the start on failure (`onAttempt`
   * runs before each try), so what the callbacks do must be idempotent. Resolves once the whole
   * list was read.
   */
  streamStatus(
    onEntry: (entry: RawStatusEntry) => void,
    options?: { afterBatch?: () => Promise<void>; onAttempt?: () => void | Promise<void> },
  ): Promise<StatusStreamResult>;
  close(): Promise<void>;
}

const MAX_SUBMIT_BODY = 64 * 1024;

/** createGatewayClient({ baseUrl, timeouts, logger }) → a client for the gateway on undici. */
export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const agent = new Agent({
    connectTimeout: Math.min(options.submitTimeoutMs, 5000),
    keepAliveTimeout: 4000,
    connections: 64,
  });
  const log = options.logger;

  async function submit(payment: SubmitRequest): Promise<SubmitOutcome> {
    const deadline = new Deadline(options.submitTimeoutMs);
    try {
      return await submitWithin(payment, deadline);
    } finally {
      deadline.clear();
    }
  }

  async function submitWithin(payment: SubmitRequest, signal: Deadline): Promise<SubmitOutcome> {
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(`${base}/submit`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(payment),
        headersTimeout: options.submitTimeoutMs,
        bodyTimeout: options.submitTimeoutMs,
        signal,
      });
    } catch (error) {
      const kind = classifyNetworkError(error);
      const cause = errorCode(error) ?? describe(error);
      return {
        kind,
        reason:
          kind === 'not_delivered' ? `gateway unreachable (${cause})` : `no answer from the gateway after sending (${cause})`,
      };
    }
    let text: string;
    try {
      text = await readLimited(response.body, MAX_SUBMIT_BODY);
    } catch (error) {
      // The answer started but never finished: the gateway may well have recorded it.
      return { kind: 'ambiguous', reason: `gateway answer broke off (${errorCode(error) ?? describe(error)})` };
    }
    const kind = classifyStatusCode(response.statusCode);
    if (kind !== 'ok') {
      const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
      // The stored reason is shown to users: our words only. The gateway's own (which may echo
      // the request, accounts included) go to the log, with long digit runs masked.
      const reason =
        kind === 'rejected'
          ? `gateway refused the payment (HTTP ${response.statusCode})`
          : `gateway answered ${response.statusCode}`;
      if (kind === 'rejected')
        log.warn({ statusCode: response.statusCode, gatewayAnswer: summarise(text) }, 'gateway refused a submission');
      return retryAfterMs === undefined ? { kind, reason } : { kind, reason, retryAfterMs };
    }
    const parsed = safeJson(text);
    const accepted = submitResponseSchema.safeParse(parsed);
    if (!accepted.success) {
      log.warn({ statusCode: response.statusCode }, 'gateway accepted a submit with an unusable body');
      return { kind: 'ambiguous', reason: 'gateway answered 2xx with an unusable body' };
    }
    return {
      kind: 'accepted',
      confirmationId: accepted.data.confirmation_id,
      // Never our clock in its place: it would be taken for a sample of the gateway's clock.
      gatewayCreatedAt: accepted.data.created_at ?? null,
    };
  }

  async function streamOnce(onEntry: (entry: RawStatusEntry) => void, afterBatch?: () => Promise<void>) {
    const response = await request(`${base}/status`, {
      method: 'GET',
      dispatcher: agent,
      headers: { accept: 'application/json' },
      headersTimeout: options.statusTimeoutMs,
      bodyTimeout: options.statusTimeoutMs,
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new Error(`GET /status answered ${response.statusCode}`);
    }
    const result: StatusStreamResult = { entries: 0, skipped: 0 };
    const splitter = new JsonArraySplitter();
    for await (const chunk of response.body) {
      const batch = splitter.push(chunk as Buffer);
      if (!batch) continue;
      for (const value of batch) {
        if (isRawStatusEntry(value)) {
          result.entries++;
          onEntry(value);
        } else {
          result.skipped++;
          if (result.skipped <= 5) log.warn({ entry: logPreview(value) }, 'skipped an unusable /status entry');
        }
      }
      await afterBatch?.();
    }
    splitter.end(); // throws on an empty body or an array that never closed
    return result;
  }

  return {
    submit,
    streamStatus: (onEntry, { afterBatch, onAttempt } = {}) =>
      pRetry(
        async () => {
          await onAttempt?.();
          return streamOnce(onEntry, afterBatch);
        },
        {
          retries: options.statusRetries ?? 3,
          minTimeout: 200,
          maxTimeout: 5000,
          factor: 2,
          randomize: true,
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
            log.warn({ err: describe(error), attemptNumber, retriesLeft }, 'GET /status failed');
          },
        },
      ),
    close: () => agent.close(),
  };
}

async function readLimited(body: AsyncIterable<Buffer | Uint8Array>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new Error('answer too large');
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** "Retry-After: 3" or an HTTP date → milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The gateway's own words, for our logs only: any account-like digit run masked, then bounded. */
export function summarise(text: string): string {
  return maskAccountsInText(text.replace(/\s+/g, ' ')).slice(0, 300);
}
