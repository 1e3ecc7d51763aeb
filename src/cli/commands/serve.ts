// `rollcall serve` (also what `rollcall` alone runs): the server, with every setting available as a
// flag. serve.ts in src/server owns listening, first-start output and signals.
import type { Command } from 'commander';
import { commandConfig } from '../config.ts';
import { configOption, SERVER_OPTIONS } from '../config-options.ts';

export function registerServe(program: Command): void {
  const serve = program
    .command('serve', { isDefault: true })
    .description('run the presence server (the default command)')
    // As the default command, serve receives whatever word `rollcall <word>` did not recognise;
    // taking it here lets the error say "unknown command" rather than "too many arguments".
    .allowExcessArguments();
  for (const option of SERVER_OPTIONS) serve.addOption(configOption(option));
  serve.action(async (_options: unknown, command: Command) => {
    if (command.args.length > 0) command.error(`error: unknown command '${command.args[0]}'`);
    const config = commandConfig(command);
    // Loaded here, not at the top: other commands should not load (or depend on) the HTTP stack.
    const { runServer } = await import('../../server/serve.ts');
    await runServer(config);
  });
}
