import type postgres from 'postgres';
import { AccountOwnedByAnotherClientError, UnknownClientError } from '../errors.js';
import type { Tx } from './client.js';

/** A sender account as registered to a client. */
export interface ClientAccount {
  account: string;
  clientName: string;
  createdAt: Date;
  /** Who registered it: an admin key's public id, `cli` (make account-add), `dev` or `migration`. */
  createdBy: string;
}

/**
 * The ownership test POST /payments folds into the statement that stores the payment (no round
 * trip of its own): true when the client (`$clientParam`) owns the account (`$accountParam`).
 * One place says what "owns" means; the primary key on `account` makes it one index probe.
 */
export function senderOwnedSql(clientParam: string, accountParam: string): string {
  return `EXISTS (SELECT 1 FROM client_accounts WHERE account = ${accountParam} AND client_id = ${clientParam})`;
}

/**
 * The accounts each client may send payments from. An account has exactly one owner; admins
 * register them (the admin API, `make account-add`), and POST /payments refuses any other.
 */
export function createClientAccountsRepository(sql: postgres.Sql) {
  async function clientIdByName(name: string, tx: Tx): Promise<string> {
    const [client] = await tx<Array<{ id: string }>>`SELECT id FROM api_clients WHERE name = ${name}`;
    if (!client) throw new UnknownClientError();
    return client.id;
  }

  return {
    /**
     * Registers `account` to the client `clientName`. Registering it again to the same client
     * changes nothing (`created: false`); another client's account is a conflict.
     */
    async register(
      clientName: string,
      account: string,
      createdBy: string,
    ): Promise<{ account: ClientAccount; created: boolean }> {
      return sql.begin(async (tx) => {
        const clientId = await clientIdByName(clientName, tx);
        const inserted = await tx<ClientAccountRow[]>`
          INSERT INTO client_accounts (account, client_id, created_by) VALUES (${account}, ${clientId}, ${createdBy})
          ON CONFLICT (account) DO NOTHING RETURNING account, client_id, created_at, created_by`;
        const [row] =
          inserted.length > 0
            ? inserted
            : await tx<ClientAccountRow[]>`
                SELECT account, client_id, created_at, created_by FROM client_accounts WHERE account = ${account}`;
        // Removed between the two statements: rare enough to report as the conflict it nearly was.
        if (!row || row.client_id !== clientId) throw new AccountOwnedByAnotherClientError();
        return { account: toClientAccount(row, clientName), created: inserted.length > 0 };
      });
    },

    /** The client's accounts, oldest registration first. */
    async listForClient(clientName: string): Promise<ClientAccount[]> {
      const clientId = await clientIdByName(clientName, sql);
      const rows = await sql<ClientAccountRow[]>`
        SELECT account, client_id, created_at, created_by FROM client_accounts
        WHERE client_id = ${clientId} ORDER BY created_at, account`;
      return rows.map((row) => toClientAccount(row, clientName));
    },

    /**
     * Takes `account` away from the client: its payments stay, new ones from it are refused at
     * once (the check reads this table in the statement that stores a payment). False when the
     * client did not own it.
     */
    async remove(clientName: string, account: string): Promise<boolean> {
      const clientId = await clientIdByName(clientName, sql);
      const removed = await sql`DELETE FROM client_accounts WHERE account = ${account} AND client_id = ${clientId}`;
      return removed.count > 0;
    },
  };
}

/** A client_accounts row. */
interface ClientAccountRow {
  account: string;
  client_id: string;
  created_at: Date;
  created_by: string;
}

function toClientAccount(row: ClientAccountRow, clientName: string): ClientAccount {
  return { account: row.account, clientName, createdAt: row.created_at, createdBy: row.created_by };
}

export type ClientAccountsRepository = ReturnType<typeof createClientAccountsRepository>;
