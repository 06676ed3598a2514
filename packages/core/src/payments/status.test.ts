import { describe, expect, test } from 'vitest';
import {
  allowedTransitions,
  canTransition,
  decideGatewayUpdate,
  GATEWAY_STATUSES,
  type GatewayStatus,
  isGatewayStatus,
  isPaymentStatus,
  isTerminal,
  NON_TERMINAL_STATUSES,
  PAYMENT_STATUSES,
  type PaymentStatus,
  TERMINAL_STATUSES,
} from './status.js';

/** The machine as the README's "Statuses" section states it, written out independently of the code under test. */
const EXPECTED: Record<PaymentStatus, readonly PaymentStatus[]> = {
  received: ['pending', 'rejected', 'unconfirmed'],
  pending: ['settled', 'returned', 'failed'],
  unconfirmed: ['pending', 'settled', 'returned', 'failed', 'received', 'rejected'],
  settled: [],
  returned: [],
  failed: [],
  rejected: [],
};

const everyPair = PAYMENT_STATUSES.flatMap((from) =>
  PAYMENT_STATUSES.map((to) => ({ from, to, allowed: EXPECTED[from].includes(to) })),
);

describe('canTransition', () => {
  test.each(everyPair)('$from → $to is allowed: $allowed', ({ from, to, allowed }) => {
    expect(canTransition(from, to)).toBe(allowed);
  });

  test.each(TERMINAL_STATUSES)('terminal %s never changes, not even to itself', (from) => {
    expect(PAYMENT_STATUSES.filter((to) => canTransition(from, to))).toEqual([]);
  });

  test.each(PAYMENT_STATUSES)('%s never transitions to itself', (status) => {
    expect(canTransition(status, status)).toBe(false);
  });
});

describe('isTerminal', () => {
  test.each([
    ['received', false],
    ['pending', false],
    ['unconfirmed', false],
    ['settled', true],
    ['returned', true],
    ['failed', true],
    ['rejected', true],
  ] as const)('%s → %s', (status, terminal) => {
    expect(isTerminal(status)).toBe(terminal);
  });

  test('terminal and non-terminal statuses partition every status', () => {
    expect([...TERMINAL_STATUSES, ...NON_TERMINAL_STATUSES].sort()).toEqual([...PAYMENT_STATUSES].sort());
    for (const status of NON_TERMINAL_STATUSES) expect(isTerminal(status)).toBe(false);
  });
});

describe('allowedTransitions', () => {
  test('lists exactly the pairs canTransition allows, each once', () => {
    const listed = allowedTransitions().map(([from, to]) => `${from}->${to}`);
    const expected = everyPair.filter((pair) => pair.allowed).map(({ from, to }) => `${from}->${to}`);
    expect(listed.sort()).toEqual(expected.sort());
    expect(new Set(listed).size).toBe(listed.length);
  });

  test('never leads out of a terminal status', () => {
    for (const [from] of allowedTransitions()) expect(isTerminal(from)).toBe(false);
  });
});

describe('status guards', () => {
  test.each([
    ['pending', true, true],
    ['settled', true, true],
    ['received', true, false],
    ['unconfirmed', true, false],
    ['rejected', true, false],
    ['PENDING', false, false],
    ['', false, false],
    ['cancelled', false, false],
  ] as const)('%j: payment status %s, gateway status %s', (value, payment, gateway) => {
    expect(isPaymentStatus(value)).toBe(payment);
    expect(isGatewayStatus(value)).toBe(gateway);
  });

  test('every gateway status is also a payment status', () => {
    for (const status of GATEWAY_STATUSES) expect(isPaymentStatus(status)).toBe(true);
  });
});

describe('decideGatewayUpdate', () => {
  const earlier = new Date('2026-01-01T12:00:00Z');
  const later = new Date('2026-01-01T12:01:00Z');

  test.each<{
    name: string;
    current: PaymentStatus;
    storedAt: Date | null;
    report: GatewayStatus;
    reportedAt: Date;
    expected: PaymentStatus | null;
  }>([
    {
      name: 'applies a newer resolution',
      current: 'pending',
      storedAt: earlier,
      report: 'settled',
      reportedAt: later,
      expected: 'settled',
    },
    {
      name: 'applies a resolution when nothing was stored yet',
      current: 'pending',
      storedAt: null,
      report: 'failed',
      reportedAt: earlier,
      expected: 'failed',
    },
    {
      name: 'applies a report with the same updated_at',
      current: 'pending',
      storedAt: earlier,
      report: 'returned',
      reportedAt: earlier,
      expected: 'returned',
    },
    {
      name: 'ignores a stale report',
      current: 'pending',
      storedAt: later,
      report: 'settled',
      reportedAt: earlier,
      expected: null,
    },
    {
      name: 'ignores the same status',
      current: 'pending',
      storedAt: earlier,
      report: 'pending',
      reportedAt: later,
      expected: null,
    },
    {
      name: 'ignores the same terminal status',
      current: 'settled',
      storedAt: earlier,
      report: 'settled',
      reportedAt: later,
      expected: null,
    },
    {
      name: 'never changes a terminal status',
      current: 'settled',
      storedAt: earlier,
      report: 'failed',
      reportedAt: later,
      expected: null,
    },
    {
      name: 'never moves a resolution back to pending',
      current: 'returned',
      storedAt: null,
      report: 'pending',
      reportedAt: later,
      expected: null,
    },
    {
      name: 'never changes a rejected payment',
      current: 'rejected',
      storedAt: null,
      report: 'settled',
      reportedAt: later,
      expected: null,
    },
    {
      name: 'does not resolve a payment still received',
      current: 'received',
      storedAt: null,
      report: 'settled',
      reportedAt: later,
      expected: null,
    },
    {
      name: 'links an unconfirmed payment to pending',
      current: 'unconfirmed',
      storedAt: null,
      report: 'pending',
      reportedAt: later,
      expected: 'pending',
    },
    {
      name: 'resolves an unconfirmed payment directly',
      current: 'unconfirmed',
      storedAt: null,
      report: 'settled',
      reportedAt: later,
      expected: 'settled',
    },
  ])('$name', ({ current, storedAt, report, reportedAt, expected }) => {
    expect(decideGatewayUpdate({ status: current, gatewayUpdatedAt: storedAt }, { status: report, updatedAt: reportedAt })).toBe(
      expected,
    );
  });
});
