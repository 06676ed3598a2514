import { describe, expect, it } from 'vitest';
import type { PaymentEvent } from './payment.js';
import {
  CLIENT_TEXT_FOR_OPERATOR_LINK,
  CLIENT_TEXT_FOR_OPERATOR_REQUEUE,
  toAdminEventResponse,
  toEventResponse,
} from './payment-view.js';
import type { PaymentStatus } from './status.js';

const event = (source: string, toStatus: PaymentStatus, reason: string | null): PaymentEvent => ({
  id: 1,
  fromStatus: 'unconfirmed',
  toStatus,
  source,
  reason,
  actor: source === 'operator' ? 'AbCdEf123456' : null,
  at: new Date('2026-01-01T00:00:00.000Z'),
});

describe("an event as its client reads it: never an operator's own words or key", () => {
  it.each([
    ['operator', 'pending', 'ticket OPS-1: memo matched', CLIENT_TEXT_FOR_OPERATOR_LINK],
    ['operator', 'received', 'forced: support says unsent', CLIENT_TEXT_FOR_OPERATOR_REQUEUE],
    ['operator', 'settled', 'anything', 'An operator reviewed this payment.'],
    [
      'syncer',
      'received',
      'the gateway never recorded it (no entry in its window); re-queued',
      'the gateway never recorded it (no entry in its window); re-queued',
    ],
    ['api', 'rejected', null, null],
  ] as const)('%s → %s: %j reads %j', (source, to, reason, shown) => {
    const view = toEventResponse(event(source, to, reason));
    expect(view.reason).toBe(shown);
    expect(view).not.toHaveProperty('actor');
  });

  it('an admin reads the reason and the key as recorded', () => {
    expect(toAdminEventResponse(event('operator', 'pending', 'ticket OPS-1'))).toMatchObject({
      reason: 'ticket OPS-1',
      actor: 'AbCdEf123456',
    });
  });
});
