// The one way a CLI command gets its Config: the --config file, ROLLCALL_* variables and the command's
// setting flags go through loadConfig, so every command sees the same precedence and the same errors.
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { CONFIG_OPTION_KEYS } from './config-options.ts';

/**
 * `fixed`: settings the command itself decides (the demo's own data dir), above the file and the
 * environment, which name the real server's; the command's flags still win.
 */
export function commandConfig(
  command: Command,
  env: NodeJS.ProcessEnv = process.env,
  fixed: Partial<Record<keyof Config, unknown>> = {},
): Config {
  const options: Record<string, unknown> = command.optsWithGlobals();
  const flags: Record<string, unknown> = { ...fixed };
  // Only setting flags: a command's own options (--user, --label, …) are not settings, even if a
  // setting of the same name is added to the schema one day.
  for (const [key, value] of Object.entries(options)) {
    if (CONFIG_OPTION_KEYS.has(key)) flags[key] = value;
  }
  const file = typeof options['config'] === 'string' ? options['config'] : undefined;
  return loadConfig({ ...(file !== undefined && { file }), env, flags });
}
