// `rollcall keys create|list|revoke`: API keys. `api` keys read presence with their account's rights
// (optionally speaking for one application user); `ingest` keys report sessions server to server.
// A key is printed once at creation; the store keeps its sha256 and a short prefix for listings.
import { Option, type Command } from 'commander';
import { Administration } from '../../auth/administration.ts';
import { API_KEY_KINDS, type ApiKeyKind } from '../../history/history-store.ts';
import { BOOTSTRAP_ADMIN } from '../../server/bootstrap.ts';
import { positiveInteger } from '../arguments.ts';
import { commandConfig } from '../config.ts';
import { withHistory } from '../history.ts';
import { formatTable, formatTime, print, SHOWN_ONCE } from '../output.ts';

interface CreateOptions {
  kind: ApiKeyKind;
  account: string;
  user?: string;
  label?: string;
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('manage API keys and ingest keys');

  keys
    .command('create')
    .description('create a key and show it once')
    .addOption(new Option('--kind <kind>', 'api: reads presence; ingest: reports sessions').choices(API_KEY_KINDS).makeOptionMandatory())
    .option('--account <username>', 'the account that owns the key and lends it its rights', BOOTSTRAP_ADMIN)
    .option('--user <id>', 'the application user an api key speaks for')
    .option('--label <text>', 'a note shown in listings')
    .action(async (options: CreateOptions, command: Command) => {
      const { record, key } = await withHistory(commandConfig(command), ({ history }) =>
        new Administration(history).createKey({
          kind: options.kind,
          account: options.account,
          ...(options.user !== undefined && { userId: options.user }),
          ...(options.label !== undefined && { label: options.label }),
        }),
      );
      print(`created ${record.kind} key ${record.id} (prefix ${record.prefix}) for account ${options.account}`, `key: ${key}`, SHOWN_ONCE);
    });

  keys
    .command('list')
    .description('list keys, revoked ones included')
    .action(async (_options: unknown, command: Command) => {
      const list = await withHistory(commandConfig(command), ({ history }) => new Administration(history).listKeys());
      if (list.length === 0) return print('no keys yet');
      const rows = list.map(({ record: k, account }) => [
        String(k.id),
        k.kind,
        k.prefix,
        // Keys of a removed account stay listed (revoked) after the account is gone.
        account ?? `#${k.accountId} (removed)`,
        k.userId,
        k.label,
        formatTime(k.createdAt),
        formatTime(k.revokedAt),
      ]);
      print(formatTable(['ID', 'KIND', 'PREFIX', 'ACCOUNT', 'USER', 'LABEL', 'CREATED', 'REVOKED'], rows));
    });

  keys
    .command('revoke')
    .description('revoke a key; a running server refuses it from its next request')
    .argument('<id>', 'the key id shown by keys list', positiveInteger)
    .action(async (id: number, _options: unknown, command: Command) => {
      await withHistory(commandConfig(command), ({ history }) => new Administration(history).revokeKey(id));
      print(`revoked key ${id}`);
    });
}
