import { Readable } from 'node:stream';
import type { Payment, PaymentFilter, PaymentResponse, PaymentsRepository } from '@pt/core';
import { toPaymentResponse } from '@pt/core';
import { type Options, stringify } from 'csv-stringify/sync';

/** The export's columns: a payment's JSON fields, in the same order. */
export const CSV_COLUMNS = [
  'id',
  'status',
  'amount',
  'sender_account',
  'receiver_account',
  'memo',
  'confirmation_id',
  'failure_reason',
  'created_at',
  'submitted_at',
  'resolved_at',
  'updated_at',
  'last_synced_at',
] as const satisfies ReadonlyArray<keyof PaymentResponse>;

export interface PaymentsExportDeps {
  payments: Pick<PaymentsRepository, 'listForClient'>;
  /** Rows per statement. */
  batchSize: number;
  log: { info(fields: object, message: string): void };
}

export interface PaymentsExportRequest {
  clientId: string;
  filter: PaymentFilter;
  afterId: string | undefined;
}

/**
 * A client's payments matching a filter as a CSV stream (RFC 4180: CRLF, quotes where needed; a
 * header row; formula-like cells prefixed with ' as OWASP advises), read in keyset batches: each
 * batch is its own short statement, so statement and idle timeouts apply and no cursor stays
 * open; the next batch is read only when the client has taken the last, so memory stays flat.
 *
 * The first batch is read before this resolves: a failure then is an ordinary error answer. A
 * failure later destroys the stream, and Fastify then cuts the connection (the download is
 * visibly truncated: no final chunk). A client that goes away destroys it too, and no further
 * batch is read. One log line tells how each export ended.
 */
export async function exportPaymentsCsv(deps: PaymentsExportDeps, request: PaymentsExportRequest): Promise<Readable> {
  const { payments, batchSize, log } = deps;
  const read = (afterId: string | undefined) =>
    payments.listForClient(request.clientId, { limit: batchSize, afterId, filter: request.filter });
  const first = await read(request.afterId);

  const progress = { rows: 0, batches: 1, complete: false };
  // One chunk per batch (csv-stringify's sync API on its rows): a write per row made the export
  // a write(2) per row.
  async function* chunks(): AsyncGenerator<string> {
    try {
      yield stringify([[...CSV_COLUMNS]], CSV_OPTIONS);
      let page = first;
      for (;;) {
        if (page.items.length > 0) yield stringify(page.items.map(toRecord), CSV_OPTIONS);
        progress.rows += page.items.length;
        const last = page.items.at(-1);
        if (!page.hasMore || !last) break;
        progress.batches++;
        page = await read(last.id);
      }
      progress.complete = true;
    } finally {
      const outcome = progress.complete ? 'completed' : 'stopped';
      log.info({ export: 'payments.csv', ...progress }, `payments export ${outcome}`);
    }
  }
  // Fastify pipes it to the response: destroyed when the client goes away (the generator then
  // returns), and a failure of it destroys the response.
  return Readable.from(chunks(), { objectMode: false });
}

const CSV_OPTIONS: Options = { record_delimiter: 'windows', escape_formulas: true };

function toRecord(payment: Payment): Array<string | null> {
  const response = toPaymentResponse(payment);
  return CSV_COLUMNS.map((column) => response[column]);
}
