import type { PaymentTrackerClient } from '@pt/client';
import type { PaymentResponse } from '@pt/core';
import { expect } from 'vitest';
import type { System } from '../harness.js';

const body = { sender_account: '11112222', receiver_account: '33334440', amount: '10.00' };

async function putFaults(system: System, submit: unknown[]) {
  await fetch(`${system.mock.url}/__mock/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ submit, status: [] }),
  });
}

/**
 * The reading tests' payments, pushed to `created` in this order (index 0 is the oldest).
 * 6 payments: 4 pending, 2 received (the gateway turns the 2nd and 5th away with a 429,
 * which proves it did not take them; they wait in the queue for a syncer).
 */
export async function createSixPayments(system: System, client: PaymentTrackerClient, created: PaymentResponse[]) {
  for (let i = 0; i < 6; i++) {
    await putFaults(system, i === 1 || i === 4 ? [{ kind: 'rate_limit', retry_after_s: 0, count: 1 }] : []);
    const answer = await client.POST('/payments', { body: { ...body, amount: `${i + 1}.50`, memo: `#${i}` } });
    expect([201, 202]).toContain(answer.response.status);
    if (answer.data) created.push(answer.data);
  }
  await putFaults(system, []);
}
