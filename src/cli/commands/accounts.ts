// `rollcall accounts add|list|remove|command-api`: the people and programs allowed to read presence with Basic
// auth (and to own API keys). Works beside a running server: it sees a new account at its next request.
import { randomBytes } from 'node:crypto';
import { Option, type Command } from 'commander';
import { hashPassword } from '../../auth/passwords.ts';
import { RollcallError } from '../../core/errors.ts';
import { ACCOUNT_ROLES, COMMAND_PERMISSIONS, type AccountRole, type CommandPermission } from '../../history/history-store.ts';
import { commandConfig } from '../config.ts';
import { withHistory } from '../history.ts';
import { formatTable, formatTime, print, SHOWN_ONCE } from '../output.ts';

/** Lets scripts pass a password without putting it in argv, where `ps` shows it to everyone. */
export const NEW_PASSWORD_ENV = 'ROLLCALL_NEW_PASSWORD';
/** The same floor the config schema puts on the bootstrap admin password. */
const MIN_PASSWORD_LENGTH = 8;
/** Letters, digits and `._@-`: no colon, which Basic auth cannot carry in a username, and no spaces. */
const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;

interface AddOptions {
  role: AccountRole;
  password?: string;
  commandApi?: CommandPermission;
}

const commandApiOption = () =>
  new Option('--command-api <permission>', 'what the account may do through the BeyondTrust command API (default: full for admins, read_only for readers)').choices(
    COMMAND_PERMISSIONS,
  );

export function registerAccounts(program: Command): void {
  const accounts = program.command('accounts').description('manage the accounts that may read presence');

  accounts
    .command('add')
    .description(`create an account; without --password (or ${NEW_PASSWORD_ENV}) one is generated and shown once`)
    .argument('<username>', 'letters, digits and . _ @ -, up to 64')
    .addOption(new Option('--role <role>', 'what the account may do').choices(ACCOUNT_ROLES).makeOptionMandatory())
    .option('--password <password>', `its password, at least ${MIN_PASSWORD_LENGTH} characters (prefer ${NEW_PASSWORD_ENV}: argv is visible to others)`)
    .addOption(commandApiOption())
    .action(async (username: string, options: AddOptions, command: Command) => {
      if (!USERNAME.test(username)) {
        throw new RollcallError('invalid_parameter', `username "${username}" must be 1-64 letters, digits or . _ @ -`);
      }
      const given = options.password ?? nonEmpty(process.env[NEW_PASSWORD_ENV]);
      if (given !== undefined && given.length < MIN_PASSWORD_LENGTH) {
        throw new RollcallError('invalid_parameter', `password must be at least ${MIN_PASSWORD_LENGTH} characters`);
      }
      const password = given ?? randomBytes(18).toString('base64url');
      const passwordHash = await hashPassword(password);
      const account = await withHistory(commandConfig(command), ({ history }) =>
        history.createAccount({ username, role: options.role, passwordHash, ...(options.commandApi && { commandPermission: options.commandApi }) }),
      );
      print(`created account ${account.username} (${account.role}, command API ${account.commandPermission})`);
      if (given === undefined) print(`password: ${password}`, SHOWN_ONCE);
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
      if (!(COMMAND_PERMISSIONS as readonly string[]).includes(permission)) {
        throw new RollcallError('invalid_parameter', `permission must be one of ${COMMAND_PERMISSIONS.join(', ')}`);
      }
      const changed = await withHistory(commandConfig(command), ({ history }) =>
        history.setCommandPermission(username, permission as CommandPermission),
      );
      if (!changed) throw new RollcallError('not_found', `no account "${username}"`);
      print(`account ${username} now has command API permission ${permission}`);
    });

  accounts
    .command('remove')
    .description('remove an account and revoke its API keys')
    .argument('<username>')
    .action(async (username: string, _options: unknown, command: Command) => {
      await withHistory(commandConfig(command), async ({ history }) => {
        const account = await history.findAccount(username);
        if (!account) throw new RollcallError('not_found', `no account "${username}"`);
        // Without an admin nobody can manage the service over HTTP, and the server only recreates
        // "admin" when there are no accounts at all.
        const admins = (await history.listAccounts()).filter((a) => a.role === 'admin');
        if (account.role === 'admin' && admins.length === 1) {
          throw new RollcallError('conflict', `"${username}" is the last admin account; add another admin first`);
        }
        await history.removeAccount(username);
      });
      print(`removed account ${username} (its API keys are revoked)`);
    });
}

const nonEmpty = (value: string | undefined): string | undefined => (value === '' ? undefined : value);
