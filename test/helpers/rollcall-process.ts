// A real `rollcall serve` in a child process, as an operator runs it: for tests that need what only a
// process has (kill -9, several nodes sharing one database, signals).
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, CLI_CWD, cliEnv } from '../cli/cli-process.ts';

/** Deadline for a server to start, and to stop after a signal (a cold start compiles with tsx). */
export const PROCESS_DEADLINE_MS = 30_000;

/** Resolves with the stdout seen so far once `pattern` matches it; rejects on exit or at the deadline. */
export function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    let errors = '';
    const done = (finish: () => void) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onError);
      child.off('exit', onExit);
      finish();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (pattern.test(seen)) done(() => resolve(seen));
    };
    const onError = (chunk: Buffer) => (errors += chunk.toString('utf8'));
    const onExit = (code: number | null) => done(() => reject(new Error(`server exited (${code}) before ${pattern}:\n${seen}${errors}`)));
    const timer = setTimeout(
      () => done(() => reject(new Error(`no ${pattern} within ${PROCESS_DEADLINE_MS} ms:\n${seen}${errors}`))),
      PROCESS_DEADLINE_MS,
    );
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onError);
    child.once('exit', onExit);
  });
}

export function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`still running ${PROCESS_DEADLINE_MS} ms after it was told to stop`)),
      PROCESS_DEADLINE_MS,
    );
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

export interface RollcallProcess {
  child: ChildProcess;
  url: string;
  nodeId: string;
  /** Everything it printed to stdout until it listened (first-start secrets included). */
  startOutput: string;
  /** SIGTERM and the exit it leads to. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** kill -9: no shutdown of any kind. */
  crash(): Promise<void>;
}

/**
 * Starts `rollcall serve` on 127.0.0.1 port 0 with these extra arguments and ROLLCALL_* variables (the
 * parent's own ROLLCALL_* are not passed on). Stop it with stop() or crash(); a caller's cleanup should
 * crash() whatever is still running, so no process outlives its test.
 */
export async function startRollcallProcess(args: readonly string[], env: Record<string, string> = {}): Promise<RollcallProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], {
    env: cliEnv(env),
    cwd: CLI_CWD,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output: string;
  try {
    output = await waitForOutput(child, /listening on (http:\/\/\S+) +\(node (\S+),/);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const [, url, nodeId] = /listening on (http:\/\/\S+) +\(node (\S+),/.exec(output)!;
  // Read on, so a chatty server never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    child,
    url: url!,
    nodeId: nodeId!,
    startOutput: output,
    stop: () => {
      child.kill('SIGTERM');
      return waitForExit(child);
    },
    crash: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await waitForExit(child);
    },
  };
}
