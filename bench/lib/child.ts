// Child processes of the benchmark: servers, client fleets and the registry workload each run in a
// process of their own, so one's memory and event loop never colour another's figures.
//
// Parent side: forkChild() starts a script with tsx, waits for its "ready" message and then talks to
// it with call() (request/answer over the IPC channel, each with a deadline). Every child is tracked;
// stopAll() ends those still running, by pid, and the run ends them on any failure or signal.
// Child side: serveParent() answers the parent's calls. A child exits by itself when its parent goes
// away (the IPC channel closes) or when its lifetime (BENCH_LIFETIME_MS) runs out, so no benchmark
// process outlives the run even if the parent is killed with SIGKILL.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const BENCH_DIR = join(import.meta.dirname, '..');

/** Extra node flags for every child, e.g. BENCH_CHILD_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const EXTRA_CHILD_ARGS = (process.env.BENCH_CHILD_ARGS ?? '').split(/\s+/).filter(Boolean);

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

type Message = { id?: number; ok?: boolean; result?: unknown; error?: string; ready?: boolean; info?: unknown };

export interface Child<Info = unknown> {
  readonly name: string;
  readonly pid: number;
  /** What the child sent with its ready message (port, …). */
  readonly info: Info;
  call<T = unknown>(cmd: string, args?: object, timeoutMs?: number): Promise<T>;
  /** Asks the child to stop (it cleans up and exits 0); kills it by pid when it does not in time. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL by pid, at once. */
  kill(): void;
  /** Settles when the process has exited. */
  readonly exited: Promise<void>;
  /** The last lines the child wrote to stderr (for error messages). */
  stderr(): string;
}

const running = new Set<ChildProcess>();

export interface ForkOptions {
  name: string;
  args?: string[];
  /** Node flags before the script (--expose-gc, --max-old-space-size=…). tsx is always added. */
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
  /** The child exits by itself after this long, whatever happens. */
  lifetimeMs: number;
  /** How long the child may take to say it is ready (default 90 s: a loaded 2-core machine starts slowly). */
  readyTimeoutMs?: number;
}

export function forkChild<Info = unknown>(script: string, options: ForkOptions): Promise<Child<Info>> {
  const child = fork(script, options.args ?? [], {
    execArgv: ['--import', 'tsx', ...(options.nodeArgs ?? []), ...EXTRA_CHILD_ARGS],
    env: { ...process.env, ...options.env, BENCH_LIFETIME_MS: String(options.lifetimeMs) },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  running.add(child);
  const errLines: string[] = [];
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    errLines.push(text);
    if (errLines.length > 50) errLines.shift();
    if (process.env.BENCH_VERBOSE) process.stderr.write(`[${options.name}] ${text}`);
  });
  const stderr = () => errLines.join('').trim().split('\n').slice(-15).join('\n');

  const pending = new Map<number, Pending>();
  let nextId = 1;
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      running.delete(child);
      const error = new Error(`${options.name} (pid ${child.pid}) exited (${signal ?? code})${stderr() ? `:\n${stderr()}` : ''}`);
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(error);
      }
      pending.clear();
      resolve();
    });
  });

  return new Promise<Child<Info>>((resolve, reject) => {
    const readyTimer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.name} was not ready within ${options.readyTimeoutMs ?? 90_000} ms${stderr() ? `:\n${stderr()}` : ''}`));
    }, options.readyTimeoutMs ?? 90_000);
    child.once('exit', () => {
      clearTimeout(readyTimer);
      reject(new Error(`${options.name} exited before it was ready${stderr() ? `:\n${stderr()}` : ''}`));
    });
    child.on('message', (raw) => {
      const message = raw as Message;
      if (message.ready) {
        clearTimeout(readyTimer);
        resolve(handle(message.info as Info));
        return;
      }
      if (message.id === undefined) return;
      const p = pending.get(message.id);
      if (!p) return;
      pending.delete(message.id);
      clearTimeout(p.timer);
      if (message.ok) p.resolve(message.result);
      else p.reject(new Error(`${options.name}: ${message.error ?? 'failed'}`));
    });
  });

  function handle(info: Info): Child<Info> {
    const kill = () => {
      if (!exited) child.kill('SIGKILL');
    };
    return {
      name: options.name,
      pid: child.pid!,
      info,
      call<T>(cmd: string, args: object = {}, timeoutMs = 60_000): Promise<T> {
        if (exited) return Promise.reject(new Error(`${options.name} has exited`));
        const id = nextId++;
        return new Promise<T>((resolveCall, rejectCall) => {
          const timer = setTimeout(() => {
            pending.delete(id);
            rejectCall(new Error(`${options.name}: ${cmd} took longer than ${timeoutMs} ms`));
          }, timeoutMs);
          pending.set(id, { resolve: resolveCall as (v: unknown) => void, reject: rejectCall, timer });
          child.send({ id, cmd, args });
        });
      },
      async stop(timeoutMs = 15_000) {
        if (exited) return;
        const timer = setTimeout(kill, timeoutMs);
        try {
          child.send({ id: 0, cmd: 'stop', args: {} });
        } catch {
          kill();
        }
        await exitedPromise;
        clearTimeout(timer);
      },
      kill,
      exited: exitedPromise,
      stderr,
    };
  }
}

/** Kills, by pid, every child this process started that is still running. */
export function killAll(): void {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}

export const runningChildren = () => running.size;

/** On SIGINT or SIGTERM, kills every child by pid and exits 130, saying what was stopped. */
export function killAllOnSignal(what: string): void {
  const onSignal = (signal: NodeJS.Signals) => {
    killAll();
    process.stderr.write(`\n${signal}: stopped the ${what} and its child processes\n`);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

/**
 * Runs `main` when the script at `filename` (the caller's import.meta.filename) is the one node was
 * started with, not when a test imports it; on a failure, kills every child and exits 1.
 */
export function runIfMain(filename: string, main: () => Promise<void>): void {
  if (filename !== process.argv[1]) return;
  main().catch((error: unknown) => {
    killAll();
    console.error(error);
    process.exit(1);
  });
}

// ---- child side ---------------------------------------------------------------------------------

export type Handlers = Record<string, (args: never) => unknown>;

/**
 * Answers the parent's calls with `handlers`, then says ready with `info`. `stop` runs `onStop` and
 * exits 0 (so `node --cpu-prof` writes its profile). The process also exits when the parent goes away
 * or the lifetime runs out.
 */
export function serveParent(handlers: Handlers, info: unknown, onStop: () => Promise<void> | void = () => {}): void {
  if (!process.send) throw new Error('this script runs as a child of the benchmark (bench/run.ts)');
  limitLifetime();
  answerParent(handlers, onStop);
  process.send({ ready: true, info });
}

/** Exits when the parent goes away (the IPC channel closes) or when BENCH_LIFETIME_MS runs out. */
export function limitLifetime(): void {
  const lifetime = Number(process.env.BENCH_LIFETIME_MS ?? 600_000);
  setTimeout(() => {
    process.stderr.write(`lifetime of ${lifetime} ms is over: exiting\n`);
    process.exit(3);
  }, lifetime).unref();
  process.on('disconnect', () => process.exit(0));
}

/**
 * Answers the parent's calls `{ id, cmd, args }` with `handlers`. With `onStop`, `stop` runs it once and
 * exits 0; without, `stop` is left to the process (a real server stops on SIGTERM).
 */
export function answerParent(handlers: Handlers, onStop?: () => Promise<void> | void): void {
  let stopping = false;
  process.on('message', (raw) => {
    const { id, cmd, args } = raw as { id: number; cmd: string; args: never };
    if (cmd === 'stop' && onStop) {
      if (stopping) return;
      stopping = true;
      void Promise.resolve()
        .then(onStop)
        .catch((error: unknown) => process.stderr.write(`stop failed: ${String(error)}\n`))
        .finally(() => process.exit(0));
      return;
    }
    const handler = handlers[cmd];
    if (!handler) {
      process.send!({ id, ok: false, error: `unknown command ${cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(args))
      .then(
        (result) => process.send!({ id, ok: true, result }),
        (error: unknown) =>
          process.send!({ id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
      );
  });
}

/** Waits for children started together; if one fails to start, kills the others and throws. */
export async function allStarted<T extends Child<never> | Child<unknown>>(starts: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(starts);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    for (const r of results) if (r.status === 'fulfilled') r.value.kill();
    throw failed.reason;
  }
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
