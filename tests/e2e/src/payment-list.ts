import type { components } from '@pt/client';

export type PaymentList = components['schemas']['PaymentList'];

/**
 * GET /payments through the typed client: its answer is typed JSON or CSV (the document declares
 * both), and these tests ask for JSON. The JSON list, or a failure naming what came instead.
 */
export function listOf(data: PaymentList | string | undefined): PaymentList {
  if (data === undefined || typeof data === 'string') throw new Error(`expected a JSON payment list, got ${String(data)}`);
  return data;
}
