// The `rollcall` command line: assembles the commands and turns every failure into one readable line
// on stderr and exit code 1. Stack traces are for bugs, and a bad setting or a missing account is not
// one. bin/rollcall.mjs runs `main` and exits with the code it answers.
import { Command, CommanderError, Option } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { loadEnvFile } from '../config/env-file.ts';
import { ConfigError } from '../config/load.ts';
import { isRollcallError } from '../core/errors.ts';
import { registerAccounts } from './commands/accounts.ts';
import { registerClients } from './commands/clients.ts';
import { registerDemo } from './commands/demo.ts';
import { registerHistory } from './commands/history.ts';
import { registerKeys } from './commands/keys.ts';
import { registerServe } from './commands/serve.ts';
import { registerToken } from './commands/token.ts';
import { registerWebhooks } from './commands/webhooks.ts';
import { configOption, DATA_DIR_OPTIONS } from './config-options.ts';

const EXAMPLES = `
Examples:
  $ rollcall                                   serve on 127.0.0.1:8080 with data in ./data
  $ rollcall serve --host 0.0.0.0 --port 9000 --data-dir /var/lib/rollcall
  $ ROLLCALL_LOG_LEVEL=debug rollcall --config rollcall.json
  $ rollcall demo --users 100 --speed 4        a server with simulated users
  $ rollcall accounts add alice --role reader  prints a generated password once
  $ rollcall keys create --kind api --account alice --label "status page"
  $ rollcall keys revoke 3
  $ rollcall token --user u42 --name "Ada" --client-types web,representative
  $ rollcall webhooks add https://example.com/hook --events user.online,user.offline
  $ ROLLCALL_DATABASE_URL=postgres://… rollcall history migrate --from sqlite --to postgres

Settings come from defaults < the --config JSON file < ROLLCALL_* variables < flags. A .env file in
the working directory is read at start; variables already in the environment win over it.
Secrets (ROLLCALL_ADMIN_PASSWORD, ROLLCALL_INGEST_KEY, ROLLCALL_TOKEN_SECRET) have no flags, so they
never show in the process list; put them in the environment or the config file.
Run "rollcall <command> --help" for a command's own options.`;

const PREFIX = 'rollcall: ';

export function buildProgram(): Command {
  const program = new Command('rollcall')
    .description('Self-hosted presence service: who is online, on which device, doing what, since when.')
    .version(packageJson.version)
    // Throw instead of exiting, so main() alone decides the exit code (and tests can call it).
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, PREFIX)) })
    .showHelpAfterError('(add --help for usage)')
    // --config and --data-dir apply to every command, so every command's help lists them.
    .configureHelp({ showGlobalOptions: true })
    .addOption(
      new Option('--config <file>', 'JSON file of settings, keys in camelCase, e.g. {"port": 9000, "dataDir": "/var/lib/rollcall"}'),
    )
    .addHelpText('after', EXAMPLES);
  for (const option of DATA_DIR_OPTIONS) program.addOption(configOption(option));

  registerServe(program);
  registerDemo(program);
  registerAccounts(program);
  registerKeys(program);
  registerClients(program);
  registerToken(program);
  registerWebhooks(program);
  registerHistory(program);
  return program;
}

/** Runs the command line `argv` (as in process.argv) and answers the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    // Before any command reads the environment: every command sees .env's settings, beneath the real environment's.
    loadEnvFile();
    await buildProgram().parseAsync([...argv]);
    return 0;
  } catch (error) {
    return report(error);
  }
}

function report(error: unknown): number {
  // Commander has printed its own message (or the help) already.
  if (error instanceof CommanderError) return error.exitCode;
  if (error instanceof ConfigError || isRollcallError(error)) {
    process.stderr.write(`${PREFIX}${error.message}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  // A failed system call (port in use, folder not writable) is the machine's state, not a bug.
  const systemError = error instanceof Error && 'syscall' in error;
  process.stderr.write(`${PREFIX}${systemError ? '' : 'unexpected error: '}${message}\n`);
  return 1;
}
