import postgres from 'postgres';

/** The raw postgres.js client type, for apps that do not depend on postgres themselves. */
export type SqlClient = postgres.Sql;
/** What a statement runs on: the pool, or a transaction its caller owns (repository methods take it last). */
export type Tx = postgres.Sql | postgres.TransactionSql;
/** A value a statement may bind as a parameter. */
export type SqlParameter = postgres.ParameterOrJSON<never>;

export interface CreateSqlOptions {
  max?: number;
  /** Seconds to wait for a connection before failing (so a database outage answers fast). */
  connectTimeoutSeconds?: number;
  applicationName?: string;
  /** Postgres `statement_timeout` for every session of the pool, in ms; unset or 0: the server's setting. */
  statementTimeoutMs?: number;
  /** Postgres `idle_in_transaction_session_timeout` in ms (a session idle that long in a transaction is ended); unset or 0: the server's. */
  idleInTransactionTimeoutMs?: number;
}

/**
 * createSql(url) → the process's one postgres.js pool, on which every repository runs (drizzle
 * only describes the schema and applies migrations, on a client of its own: see migrate.ts).
 * The timeouts are startup parameters of each session, so they hold for every statement without
 * a round trip of their own; a statement past `statement_timeout` fails with 57014.
 */
export function createSql(url: string, options: CreateSqlOptions = {}): { sql: postgres.Sql; close(): Promise<void> } {
  const sql = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    idle_timeout: 30,
    onnotice: () => {},
    connection: {
      application_name: options.applicationName ?? 'payment-tracker',
      ...sessionTimeouts(options),
    },
  });
  return { sql, close: () => sql.end({ timeout: 5 }) };
}

/**
 * The session parameters for the timeouts that are set (Postgres reads bare numbers as ms). None
 * is sent for 0, so a pooler that refuses unknown startup parameters can be used with 0 and the
 * role's settings (`ALTER ROLE … SET statement_timeout`).
 */
function sessionTimeouts(options: CreateSqlOptions): {
  statement_timeout?: number;
  idle_in_transaction_session_timeout?: number;
} {
  return {
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    ...(options.idleInTransactionTimeoutMs ? { idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs } : {}),
  };
}

/** Postgres's unique_violation: a unique index refused the row. */
const UNIQUE_VIOLATION = '23505';

/**
 * Whether a statement failed on a unique index. Repositories translate it into a domain error
 * or a typed result; callers never see database error codes.
 */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof postgres.PostgresError && error.code === UNIQUE_VIOLATION;
}

/**
 * Runs a statement as a named prepared statement. postgres.js's unsafe() defaults to unprepared
 * (parse and plan on every call, two round trips); our texts are built from constants only, a
 * small fixed set, so preparing them once per connection is safe and much cheaper.
 */
export function prepared<Row extends object>(tx: Tx, text: string, params: SqlParameter[]) {
  return tx.unsafe<Row[]>(text, params, { prepare: true });
}
