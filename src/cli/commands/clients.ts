// `rollcall clients create|list|revoke|regenerate-secret`: OAuth2 API clients, which integrations
// written for BeyondTrust use to get bearer tokens from POST /oauth2/token. The rules are
// auth/oauth/client-administration.ts's, shared with the admin API. The secret is printed once; the
// store keeps its sha256. Revoking a client or giving it a new secret invalidates every token it holds,
// at once also for a running server (it checks tokens in the same store).
import { Option, type Command } from 'commander';
import { ApiClientAdministration } from '../../auth/oauth/client-administration.ts';
import { COMMAND_PERMISSIONS, type CommandPermission } from '../../history/history-store.ts';
import { commandConfig } from '../config.ts';
import { withHistory } from '../history.ts';
import { formatTable, formatTime, print, SHOWN_ONCE } from '../output.ts';

interface CreateOptions {
  permission: CommandPermission;
  label?: string;
}

export function registerClients(program: Command): void {
  const clients = program.command('clients').description('manage OAuth2 API clients (BeyondTrust command API)');

  clients
    .command('create')
    .description('create an API client and show its secret once')
    .addOption(
      new Option('--permission <permission>', 'command API permission (all answers only read; deny refuses every command)')
        .choices(COMMAND_PERMISSIONS)
        .default('read_only'),
    )
    .option('--label <text>', 'a note shown in listings')
    .action(async (options: CreateOptions, command: Command) => {
      const { record, secret } = await withHistory(commandConfig(command), ({ history }) =>
        new ApiClientAdministration(history).create({
          permission: options.permission,
          ...(options.label !== undefined && { label: options.label }),
        }),
      );
      print(`created API client ${record.id} (${record.permission})`, `client id: ${record.id}`, `client secret: ${secret}`, SHOWN_ONCE);
    });

  clients
    .command('list')
    .description('list API clients, revoked ones included')
    .action(async (_options: unknown, command: Command) => {
      const list = await withHistory(commandConfig(command), ({ history }) => new ApiClientAdministration(history).list());
      if (list.length === 0) return print('no API clients yet');
      const rows = list.map((c) => [
        c.id,
        c.permission,
        c.label,
        formatTime(c.createdAt),
        formatTime(c.secretCreatedAt),
        formatTime(c.revokedAt),
      ]);
      print(formatTable(['CLIENT ID', 'PERMISSION', 'LABEL', 'CREATED', 'SECRET SET', 'REVOKED'], rows));
    });

  clients
    .command('revoke')
    .description('revoke an API client; its tokens stop working at once')
    .argument('<client-id>', 'the client id shown by clients list')
    .action(async (clientId: string, _options: unknown, command: Command) => {
      await withHistory(commandConfig(command), ({ history }) => new ApiClientAdministration(history).revoke(clientId));
      print(`revoked API client ${clientId} (its tokens are invalidated)`);
    });

  clients
    .command('regenerate-secret')
    .description('give an API client a new secret and show it once; its tokens stop working at once')
    .argument('<client-id>', 'the client id shown by clients list')
    .action(async (clientId: string, _options: unknown, command: Command) => {
      const { secret } = await withHistory(commandConfig(command), ({ history }) =>
        new ApiClientAdministration(history).regenerateSecret(clientId),
      );
      print(`new secret for API client ${clientId} (its tokens are invalidated)`, `client secret: ${secret}`, SHOWN_ONCE);
    });
}
