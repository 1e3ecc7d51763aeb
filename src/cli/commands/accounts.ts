// `rollcall accounts add|list|remove|command-api|passwd`: the people and programs allowed to read presence with
// Basic auth (and to own API keys). Works beside a running server: it sees a new account at its next request.
import type { ReadStream } from 'node:tty';
import { Option, type Command } from 'commander';
import { Administration, MIN_PASSWORD_LENGTH } from '../../auth/administration.ts';
import { RollcallError } from '../../core/errors.ts';
import { ACCOUNT_ROLES, COMMAND_PERMISSIONS, type AccountRole, type CommandPermission } from '../../history/history-store.ts';
import { commandConfig } from '../config.ts';
import { withHistory } from '../history.ts';
import { formatTable, formatTime, print, SHOWN_ONCE } from '../output.ts';
import { promptNewPassword, readPasswordLine } from '../password-input.ts';

/** Lets scripts pass a password without putting it in argv, where `ps` shows it to everyone. */
export const NEW_PASSWORD_ENV = 'ROLLCALL_NEW_PASSWORD';

interface PasswdOptions {
  passwordStdin?: boolean;
  generate?: boolean;
}

interface AddOptions {
  role: AccountRole;
  password?: string;
  commandApi?: CommandPermission;
}

const commandApiOption = () =>
  new Option(
    '--command-api <permission>',
    'what the account may do through the BeyondTrust command API (default: full for admins, read_only for readers)',
  ).choices(COMMAND_PERMISSIONS);

export function registerAccounts(program: Command): void {
  const accounts = program.command('accounts').description('manage the accounts that may read presence');

  accounts
    .command('add')
    .description(`create an account; without --password (or ${NEW_PASSWORD_ENV}) one is generated and shown once`)
    .argument('<username>', 'letters, digits and . _ @ -, up to 64')
    .addOption(new Option('--role <role>', 'what the account may do').choices(ACCOUNT_ROLES).makeOptionMandatory())
    .option(
      '--password <password>',
      `its password, at least ${MIN_PASSWORD_LENGTH} characters (prefer ${NEW_PASSWORD_ENV}: argv is visible to others)`,
    )
    .addOption(commandApiOption())
    .action(async (username: string, options: AddOptions, command: Command) => {
      const password = options.password ?? nonEmpty(process.env[NEW_PASSWORD_ENV]);
      const { account, generatedPassword } = await withHistory(commandConfig(command), ({ history }) =>
        new Administration(history).createAccount({
          username,
          role: options.role,
          ...(password !== undefined && { password }),
          ...(options.commandApi && { commandPermission: options.commandApi }),
        }),
      );
      print(`created account ${account.username} (${account.role}, command API ${account.commandPermission})`);
      if (generatedPassword !== undefined) print(`password: ${generatedPassword}`, SHOWN_ONCE);
    });

  accounts
    .command('list')
    .description('list accounts')
    .action(async (_options: unknown, command: Command) => {
      const list = await withHistory(commandConfig(command), ({ history }) => history.listAccounts());
      if (list.length === 0) return print('no accounts yet (the server creates "admin" on first start)');
      print(
        formatTable(
          ['USERNAME', 'ROLE', 'COMMAND API', 'CREATED'],
          list.map((a) => [a.username, a.role, a.commandPermission, formatTime(a.createdAt)]),
        ),
      );
    });

  accounts
    .command('command-api')
    .description('set what an account may do through the BeyondTrust command API (full, read_only, deny)')
    .argument('<username>')
    .argument('<permission>', COMMAND_PERMISSIONS.join(' | '))
    .action(async (username: string, permission: string, _options: unknown, command: Command) => {
      await withHistory(commandConfig(command), ({ history }) => new Administration(history).setCommandPermission(username, permission));
      print(`account ${username} now has command API permission ${permission}`);
    });

  accounts
    .command('passwd')
    .description(`change or reset an account's password: typed at a prompt, read from stdin, taken from ${NEW_PASSWORD_ENV}, or generated`)
    .argument('<username>')
    .addOption(new Option('--password-stdin', 'read the new password as one line from standard input (for scripts)').conflicts('generate'))
    .option('--generate', 'generate a password and show it once')
    .addHelpText('after', `\nThe password is never taken from argv, where \`ps\` shows it to every user of the machine.`)
    .action(async (username: string, options: PasswdOptions, command: Command) => {
      const { generatedPassword } = await withHistory(commandConfig(command), async ({ history }) => {
        const administration = new Administration(history);
        // Before asking: nobody should type a password twice to learn the name was wrong.
        await administration.getAccount(username);
        return administration.changePassword(username, await newPassword(username, options));
      });
      print(`changed the password of ${username}`);
      if (generatedPassword !== undefined) print(`password: ${generatedPassword}`, SHOWN_ONCE);
    });

  accounts
    .command('remove')
    .description('remove an account and revoke its API keys')
    .argument('<username>')
    .action(async (username: string, _options: unknown, command: Command) => {
      await withHistory(commandConfig(command), ({ history }) => new Administration(history).removeAccount(username));
      print(`removed account ${username} (its API keys are revoked)`);
    });
}

const nonEmpty = (value: string | undefined): string | undefined => (value === '' ? undefined : value);

/** The password `passwd` sets; undefined asks for a generated one. */
async function newPassword(username: string, options: PasswdOptions): Promise<string | undefined> {
  if (options.passwordStdin) return readPasswordLine(process.stdin);
  if (options.generate) return undefined;
  const fromEnv = nonEmpty(process.env[NEW_PASSWORD_ENV]);
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY) {
    throw new RollcallError(
      'invalid_parameter',
      `standard input is not a terminal: use --password-stdin, --generate or ${NEW_PASSWORD_ENV}`,
    );
  }
  return promptNewPassword(process.stdin as ReadStream, process.stderr, username);
}
