// `rollcall token`: mints a client token the way an application's backend would, for trying the
// browser SDK or a WebSocket client by hand. Signed with the token secret a server on this data dir
// (or with this ROLLCALL_TOKEN_SECRET) accepts.
import type { Command } from 'commander';
import { signClientToken, verifyClientToken, type ClientTokenClaims } from '../../auth/client-tokens.ts';
import { CLIENT_TYPES, type ClientType } from '../../core/model.ts';
import { openDataDir } from '../../server/data-dir.ts';
import { choiceList, positiveInteger } from '../arguments.ts';
import { commandConfig } from '../config.ts';
import { print } from '../output.ts';

/** One hour (seconds): long enough to try things by hand, short enough not to matter if it leaks. */
const DEFAULT_TTL_SECONDS = 3_600;

interface TokenOptions {
  user: string;
  name?: string;
  email?: string;
  type?: string;
  clientTypes?: ClientType[];
  ttl: number;
}

export function registerToken(program: Command): void {
  program
    .command('token')
    .description("print a client token for one user, signed with this data dir's token secret")
    .requiredOption('--user <id>', 'the user id the token speaks for')
    .option('--name <name>', "the user's display name")
    .option('--email <email>', "the user's email")
    .option('--type <utype>', 'the user type, e.g. staff or customer')
    .option(
      '--client-types <list>',
      `client types it may open, a comma list of ${CLIENT_TYPES.join(', ')} (default web)`,
      choiceList(CLIENT_TYPES),
    )
    .option('--ttl <seconds>', 'lifetime in seconds', positiveInteger, DEFAULT_TTL_SECONDS)
    .action(async (options: TokenOptions, command: Command) => {
      const { tokenSecret } = openDataDir(commandConfig(command));
      const claims: ClientTokenClaims = {
        sub: options.user,
        ...(options.name !== undefined && { name: options.name }),
        ...(options.email !== undefined && { email: options.email }),
        ...(options.type !== undefined && { utype: options.type }),
        ...(options.clientTypes !== undefined && { ctypes: options.clientTypes }),
      };
      const token = await signClientToken(tokenSecret, claims, options.ttl);
      // The server's own check, run here: a claim it would refuse (an over-long id, say) fails now,
      // with its reason, rather than at the first connect.
      await verifyClientToken(tokenSecret, token);
      print(token);
    });
}
