// `rollcall demo`: a server plus simulated users coming and going, to watch the dashboard and the
// dialects move. The simulation lives in src/demo/run-demo.ts; this file only parses its options.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { Config } from '../../config/schema.ts';
import { RollcallError } from '../../core/errors.ts';
import { positiveInteger, positiveNumber, wholeNumber } from '../arguments.ts';
import { commandConfig } from '../config.ts';
import { configOption, SERVER_OPTIONS } from '../config-options.ts';

/** What run-demo.ts is expected to export. */
export interface DemoOptions {
  /** Simulated users; default 40. */
  users: number;
  /** Seed of the simulation's random choices, for a repeatable run; random when absent. */
  seed?: number;
  /** Multiple of real time the simulated users act at; default 1. */
  speed: number;
}

interface DemoModule {
  runDemo(config: Config, options: DemoOptions): Promise<unknown>;
}

/** Where the demo keeps its data unless --data-dir says otherwise: beside the default ./data, never in it. */
export const DEMO_DATA_DIR = './demo-data';

// A URL held in a variable, so the compiler does not require the module to exist: the CLI builds
// and runs while the demo is still being written, and says so when asked for it.
const DEMO_MODULE = new URL('../../demo/run-demo.ts', import.meta.url);

export function registerDemo(program: Command): void {
  const demo = program
    .command('demo')
    .description(
      `run a server with simulated users, to see rollcall move (data in ${DEMO_DATA_DIR}; a free port when the one asked for is taken)`,
    )
    .option('--users <n>', 'number of simulated users', positiveInteger, 40)
    .option('--seed <n>', 'seed for a repeatable simulation', wholeNumber)
    .option('--speed <factor>', 'how fast simulated users act, as a multiple of real time', positiveNumber, 1);
  for (const option of SERVER_OPTIONS) demo.addOption(configOption(option));
  demo.action(async (options: DemoOptions, command: Command) => {
    // Its own data dir, whatever ROLLCALL_DATA_DIR (or .env) says: simulated users must never land in
    // the real server's history. --data-dir still chooses another.
    const config = commandConfig(command, process.env, { dataDir: DEMO_DATA_DIR });
    if (!existsSync(fileURLToPath(DEMO_MODULE))) {
      throw new RollcallError('unavailable', 'the demo is not part of this build (src/demo/run-demo.ts is missing)');
    }
    const loaded = (await import(DEMO_MODULE.href)) as Partial<DemoModule>;
    if (typeof loaded.runDemo !== 'function') {
      throw new RollcallError('unavailable', 'src/demo/run-demo.ts does not export runDemo(config, options)');
    }
    await loaded.runDemo(config, {
      users: options.users,
      speed: options.speed,
      ...(options.seed !== undefined && { seed: options.seed }),
    });
  });
}
