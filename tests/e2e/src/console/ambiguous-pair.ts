import type { PaymentResponse } from '@pt/core';
import {
  confirmGatewayClockAfter,
  logLines,
  measureGatewayClock,
  postPayment,
  recordedWithMemo,
  setFaults,
  uniqueMemo,
  waitForSyncAfter,
} from '../delivery-helpers.js';
import { eventually, type RunningSyncer, type System } from '../harness.js';

const AMBIGUOUS = 'unconfirmed payment is ambiguous; left for an operator';

/** Two unconfirmed payments whose windows both hold both gateway entries: what an operator must settle. */
export interface AmbiguousPair {
  first: PaymentResponse;
  second: PaymentResponse;
  /** The gateway entry of the first payment's memo (returned), and of the second's (failed). */
  firstEntry: string;
  secondEntry: string;
}

/**
 * As in unconfirmed.test.ts: both recorded, both answered 500, at the gateway at once, so
 * neither entry can be told apart by time. After one more complete read the syncer stops: the
 * operator acts on what that read showed. `client` sends from delivery-helpers' sender.
 */
export async function makeAmbiguousPair(
  system: System,
  syncer: RunningSyncer,
  client: ReturnType<System['as']>,
): Promise<AmbiguousPair> {
  await measureGatewayClock(client);
  await setFaults(system, { submit: [{ kind: 'accept_then_error', count: 2, latency_ms: 300 }] });
  const memos = [uniqueMemo('operator one'), uniqueMemo('operator two')];
  const answers = await Promise.all(memos.map((memo, i) => postPayment(client, memo, i === 0 ? 4 : 8)));
  const [first, second] = answers.map((a) => a.body) as [PaymentResponse, PaymentResponse];
  for (const payment of [first, second]) await confirmGatewayClockAfter(system, client, payment.id);
  for (const payment of [first, second]) {
    await eventually(async () => (logLines(system, AMBIGUOUS, payment.id).length > 0 ? true : undefined), {
      what: 'the ambiguity to be logged',
    });
  }
  await waitForSyncAfter(system, new Date());
  await syncer.stop();
  const entries = await Promise.all(memos.map((memo) => recordedWithMemo(system, memo)));
  const [firstEntry, secondEntry] = entries.map((e) => e[0]?.confirmation_id ?? '') as [string, string];
  return { first, second, firstEntry, secondEntry };
}
