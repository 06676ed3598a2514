/** Helpers shared by this package's tests (real HTTP against a mock on a free port). */
import { type RunningGatewayMock, type StartGatewayMockOptions, startGatewayMock } from './index.js';

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function payment(receiver = 'RCV-000123', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { sender_account: 'SND-000001', receiver_account: receiver, amount: 100.5, ...extra };
}

export async function http(
  url: string,
  init: { method?: string; body?: unknown; raw?: string; contentType?: string; timeoutMs?: number } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (init.raw !== undefined || init.body !== undefined) {
    body = init.raw ?? JSON.stringify(init.body);
    headers['content-type'] = init.contentType ?? 'application/json';
  }
  const response = await fetch(url, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export async function json<T = unknown>(url: string, init: Parameters<typeof http>[1] = {}): Promise<T> {
  const result = await http(url, init);
  return JSON.parse(result.text) as T;
}

export interface StatusEntry {
  confirmation_id: string;
  status: string;
  created_at: string;
  updated_at: string;
}

export interface FullPayment extends StatusEntry {
  sender_account: string;
  receiver_account: string;
  amount: number;
  memo: string | null;
}

/** Starts a mock for one test; `await using` is not available on Node 20, so close explicitly. */
export async function withMock<T>(options: StartGatewayMockOptions, run: (mock: RunningGatewayMock) => Promise<T>): Promise<T> {
  const mock = await startGatewayMock(options);
  try {
    return await run(mock);
  } finally {
    await mock.close();
  }
}

export const NAIVE_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}000$/;
export const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
