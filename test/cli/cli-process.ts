// Runs the real `rollcall` executable (bin/rollcall.mjs) as a child process, the way an operator does,
// against a throw-away data dir.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';

export const BIN = fileURLToPath(new URL('../../bin/rollcall.mjs', import.meta.url));
/**
 * Where spawned rollcall processes run unless a test says otherwise: rollcall reads `.env` from its
 * working directory, and a developer's .env in the checkout must not reach the tests.
 */
export const CLI_CWD = tmpdir();

/** Generous: a cold start compiles the sources with tsx, and the test runner runs files in parallel. */
const RUN_TIMEOUT_MS = 30_000;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of this process without any ROLLCALL_* setting, plus `extra`. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('ROLLCALL_')) env[key] = value;
  return { ...env, ...extra };
}

export interface CliRunOptions {
  /** Its standard input: a pipe, closed after this (never a terminal). Default: empty. */
  input?: string;
  /** Its working directory (where it looks for .env); default CLI_CWD. */
  cwd?: string;
}

export function runCli(
  args: readonly string[],
  extraEnv: Record<string, string> = {},
  { input = '', cwd = CLI_CWD }: CliRunOptions = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { env: cliEnv(extraEnv), cwd, timeout: RUN_TIMEOUT_MS },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`rollcall ${args.join(' ')} did not finish: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
    // A command that exits without reading its input (a refused argument) closes the pipe: no error of the test's.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

/** A fresh data dir, removed when the test ends. */
export function tempDataDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The Config the CLI builds for `--data-dir dir` with no other setting, for opening its stores in a test. */
export const configFor = (dataDir: string): Config => loadConfig({ flags: { dataDir } });
