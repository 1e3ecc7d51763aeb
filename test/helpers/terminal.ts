// Runs `rollcall` on a real terminal: util-linux's `script` gives it a pseudo-terminal as stdin, stdout
// and stderr, fed from the test's pipe. For what rollcall does only on a terminal: readable logs,
// first-start secrets on screen, password prompts with echo off.
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, CLI_CWD, cliEnv } from '../cli/cli-process.ts';
import { skipUnlessInstalled } from './requirements.ts';

const SCRIPT = '/usr/bin/script';

/** A skip reason when `script` is missing (node:test's `skip`), false otherwise. */
export const skipUnlessTerminal = (): string | false => skipUnlessInstalled(SCRIPT, 'bsdutils');

const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/**
 * `rollcall ...args` on a terminal. Its output (stdout and stderr, as the terminal shows them) comes on
 * the child's stdout; what the test writes to the child's stdin is typed. `script -e` exits with
 * rollcall's exit code. Ctrl-C (`\u0003`) typed at the terminal reaches rollcall as SIGINT.
 */
export function spawnOnTerminal(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  // `exec`: the shell `script` runs the command with ($SHELL, else dash) must not stay between the
  // terminal and rollcall, or Ctrl-C kills that shell too (dash dies of SIGINT; `script` then exits 130).
  const command = `exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  return spawn(SCRIPT, ['-qec', command, '/dev/null'], { env: cliEnv(env), cwd: CLI_CWD, stdio: ['pipe', 'pipe', 'pipe'] });
}
