import { AppError, accountNumberSchema, type ClientAccountsRepository, clientNameSchema } from '@pt/core';

export type AccountsCommand =
  | { command: 'add' | 'remove'; client: string; account: string }
  | { command: 'list'; client: string };

/** Where the command writes: the listing to `out`, everything said to a person to `err`. */
export interface CommandOutput {
  out(line: string): void;
  err(line: string): void;
}

export const ACCOUNTS_USAGE =
  'usage: accounts.ts add NAME ACCOUNT | list NAME | remove NAME ACCOUNT   (NAME as for make api-key; ACCOUNT: 6-34 digits)';

/** The command line, checked with the API's own schemas; null when it is not one. */
export function parseAccountsArgs(args: readonly string[]): AccountsCommand | null {
  const [command, client, account, ...rest] = args;
  if (rest.length > 0 || !clientNameSchema.safeParse(client).success || client === undefined) return null;
  if (command === 'list') return account === undefined ? { command, client } : null;
  if (command !== 'add' && command !== 'remove') return null;
  return accountNumberSchema.safeParse(account).success && account !== undefined ? { command, client, account } : null;
}

/**
 * `make account-add NAME=… ACCOUNT=…`, `make accounts NAME=…`, `make account-remove NAME=… ACCOUNT=…`
 * on a repository. Returns the exit status: 0 done, 1 refused (unknown client, another client's
 * account, not this client's account).
 */
export async function runAccountsCommand(
  parsed: AccountsCommand,
  accounts: ClientAccountsRepository,
  output: CommandOutput,
): Promise<number> {
  try {
    switch (parsed.command) {
      case 'list':
        for (const row of await accounts.listForClient(parsed.client))
          output.out(`${row.account}\t${row.createdAt.toISOString()}\t${row.createdBy}`);
        return 0;
      case 'add': {
        const { created } = await accounts.register(parsed.client, parsed.account, 'cli');
        output.err(`${parsed.account} ${created ? 'registered' : 'was already registered'} to ${parsed.client}`);
        return 0;
      }
      case 'remove':
        if (await accounts.remove(parsed.client, parsed.account)) {
          output.err(`${parsed.account} removed from ${parsed.client}`);
          return 0;
        }
        output.err(`${parsed.client} has no account ${parsed.account}`);
        return 1;
    }
  } catch (error) {
    // The repository's domain errors (unknown client, another client's account) say what to fix.
    if (!(error instanceof AppError)) throw error;
    output.err(error.detail);
    return 1;
  }
}
