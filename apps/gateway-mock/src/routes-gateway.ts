/** The real gateway's contract: POST /submit, GET /status, GET /health — plus the injected faults. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StatusFaultRule, SubmitFaultRule } from './faults.js';
import type { Inflight } from './inflight.js';
import { jsonArrayChunks, sendJsonStream, statusEntryJson } from './json-stream.js';
import type { GatewayMockHandle } from './state.js';
import { validateSubmit } from './submit-validation.js';

const REASON: Record<number, string> = {
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function sendError(reply: FastifyReply, rule: SubmitFaultRule | StatusFaultRule): FastifyReply {
  const code = rule.status_code ?? 500;
  return reply.code(code).send({ detail: REASON[code] ?? 'Error' });
}

function sendRateLimited(reply: FastifyReply, rule: SubmitFaultRule | StatusFaultRule): FastifyReply {
  return reply
    .code(429)
    .header('retry-after', String(rule.retry_after_s ?? 1))
    .send({ detail: REASON[429] });
}

/**
 * The faults both routes share, applied before anything is recorded: an error or 429 answer, a
 * hang or a reset. Returns undefined when the rule (if any) is not one of them.
 */
function answerFault(
  rule: SubmitFaultRule | StatusFaultRule | undefined,
  inflight: Inflight,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply | undefined {
  switch (rule?.kind) {
    case 'error':
      return sendError(reply, rule);
    case 'rate_limit':
      return sendRateLimited(reply, rule);
    case 'hang':
      inflight.hang(request, reply);
      return reply;
    case 'reset':
      inflight.reset(request, reply);
      return reply;
  }
  return undefined;
}

/** A proxy error page served as 200 application/json: not JSON at all. */
const GARBAGE_BODY = '<html><head><title>502 Bad Gateway</title></head><body>upstream glitch\u0000\u00ff';

export function registerGatewayRoutes(app: FastifyInstance, mock: GatewayMockHandle): void {
  const { store, faults, inflight, counters, now } = mock;

  app.get('/health', async () => ({ status: 'ok' }));

  app.post('/submit', async (request, reply) => {
    counters.submits_received++;
    // Validation comes first: faults apply to requests that would otherwise succeed,
    // so a counted rule is never spent on a 422.
    const result = validateSubmit(request.body);
    if (!result.ok) {
      counters.submits_invalid++;
      return reply.code(422).send({ detail: result.detail });
    }
    const rule = faults.decideSubmit();
    // A client that gives up during the latency does not cancel the recording: a real gateway
    // behind a load balancer records anyway, and that late payment is what clients must handle.
    if (rule?.latency_ms !== undefined && rule.latency_ms > 0) await inflight.sleep(rule.latency_ms);

    const faulted = answerFault(rule, inflight, request, reply);
    if (faulted) return faulted;

    const payment = store.add(result.value, now());
    counters.submits_recorded++;
    const body = { confirmation_id: payment.id, status: payment.status, created_at: payment.createdAt };

    switch (rule?.kind) {
      case 'malformed':
        // Recorded, but the answer is cut off mid-string.
        return reply
          .code(200)
          .type('application/json')
          .send(`{"confirmation_id": "${payment.id.slice(0, 8)}`);
      case 'accept_then_error':
        return sendError(reply, rule);
      case 'accept_then_reset':
        return inflight.reset(request, reply);
      case 'accept_then_hang':
        return inflight.hang(request, reply);
    }
    return reply.code(200).send(body);
  });

  app.get('/status', async (request, reply) => {
    counters.status_requests++;
    const rule = faults.decideStatus();
    if (rule?.latency_ms !== undefined && rule.latency_ms > 0) await inflight.sleep(rule.latency_ms);

    const faulted = answerFault(rule, inflight, request, reply);
    if (faulted) return faulted;
    if (rule?.kind === 'malformed') return reply.code(200).type('application/json').send(GARBAGE_BODY);

    store.resolveDue(now());
    const { items, length } = store.snapshot();
    // truncated: half the entries, then half of the next one, then a clean end of the
    // HTTP response — the transfer "succeeds" but the JSON array never closes.
    const truncateAt = rule?.kind === 'truncated' ? Math.floor(length / 2) : undefined;
    return sendJsonStream(reply, jsonArrayChunks(items, length, statusEntryJson, { truncateAt }));
  });
}
