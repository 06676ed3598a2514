import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema/index.js';

export type Db = PostgresJsDatabase<typeof schema>;
/** What a statement runs on: the pool, or a transaction its caller owns (repository methods take it last). */
export type Tx = postgres.Sql | postgres.TransactionSql;
/** A value a statement may bind as a parameter. */
export type SqlParameter = postgres.ParameterOrJSON<never>;
/** The raw postgres.js client type, for apps that do not depend on postgres themselves. */
export type SqlClient = postgres.Sql;

export interface DbHandle {
  db: Db;
  /** The raw postgres.js client, for LISTEN/NOTIFY and advisory locks. */
  sql: postgres.Sql;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  max?: number;
  /** Seconds to wait for a connection before failing (so a database outage answers fast). */
  connectTimeoutSeconds?: number;
  applicationName?: string;
}

function clientOptions(options: CreateDbOptions) {
  return {
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    idle_timeout: 30,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'payment-tracker' },
  };
}

/** createSql(url) → a postgres.js pool alone, for a process that needs no drizzle (the syncer). */
export function createSql(url: string, options: CreateDbOptions = {}): { sql: postgres.Sql; close(): Promise<void> } {
  const sql = postgres(url, { ...clientOptions(options), max: options.max ?? 10 });
  return { sql, close: () => sql.end({ timeout: 5 }) };
}

/**
 * createDb(url) → a postgres.js pool for the repositories' SQL, and a drizzle database for the
 * simple typed queries. They get separate clients: drizzle replaces the client's date parsers
 * and serializers with pass-through strings, which would break Dates in raw postgres.js queries.
 */
export function createDb(url: string, options: CreateDbOptions = {}): DbHandle {
  const { sql, close } = createSql(url, options);
  const drizzleClient = postgres(url, { ...clientOptions(options), max: 2 });
  const db = drizzle(drizzleClient, { schema });
  return {
    db,
    sql,
    close: async () => {
      await Promise.all([close(), drizzleClient.end({ timeout: 5 })]);
    },
  };
}

/**
 * Runs a statement as a named prepared statement. postgres.js's unsafe() defaults to unprepared
 * (parse and plan on every call, two round trips); our texts are built from constants only, a
 * small fixed set, so preparing them once per connection is safe and much cheaper.
 */
export function prepared<Row extends object>(tx: Tx, text: string, params: SqlParameter[]) {
  return tx.unsafe<Row[]>(text, params, { prepare: true });
}
