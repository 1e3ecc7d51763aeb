// Real `rollcall serve` processes for the cluster workload: bin/rollcall.mjs, as an operator runs it,
// on 127.0.0.1 port 0 with a throwaway data dir of its own, configured by ROLLCALL_* variables (the
// runner's own ROLLCALL_* are not passed on). bench/lib/node-probe.ts is preloaded into each one, which
// gives the benchmark an IPC channel to read heartbeat counts and CPU time from, and makes the node
// exit when the runner goes away or its lifetime runs out.
//
// Every node started here is tracked: stopAllNodes() ends those still running, by pid, and the
// runner's process-exit hook kills any left (a failure, SIGINT/SIGTERM through killAllOnSignal).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR } from './child.ts';
import type { NodeStats } from './node-probe.ts';

const BIN = join(BENCH_DIR, '..', 'bin', 'rollcall.mjs');
const PROBE = join(BENCH_DIR, 'lib', 'node-probe.ts');
/** A cold start compiles the sources with tsx; on a loaded 2-core machine that takes a while. */
const START_TIMEOUT_MS = 90_000;

export interface RollcallNode {
  readonly name: string;
  readonly pid: number;
  readonly url: string;
  readonly port: number;
  readonly nodeId: string;
  readonly dataDir: string;
  call<T = unknown>(cmd: string, args?: object, timeoutMs?: number): Promise<T>;
  stats(): Promise<NodeStats>;
  /** kill -9, by pid: no shutdown of any kind. Answers the moment the signal was sent (performance.now()). */
  crash(): Promise<number>;
  /** SIGSTOP: the process is frozen with every connection open (a hung or partitioned machine). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** SIGTERM (rollcall's clean shutdown), then SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
  readonly exited: Promise<void>;
  running(): boolean;
  /** The last lines the node wrote (stdout and stderr), for error messages. */
  output(): string;
}

const live = new Set<ChildProcess>();
let hooked = false;

/** The environment of this process without any ROLLCALL_* setting, plus `extra`. */
function nodeEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('ROLLCALL_')) env[key] = value;
  return { ...env, ...extra };
}

export async function startRollcallNode(name: string, env: Record<string, string>, lifetimeMs: number): Promise<RollcallNode> {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const child of live) child.kill('SIGKILL');
    });
  }
  const dataDir = mkdtempSync(join(tmpdir(), `rollcall-bench-${name}-`));
  const child = fork(BIN, ['serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], {
    execArgv: ['--import', 'tsx', '--import', PROBE],
    env: nodeEnv({ ...env, BENCH_LIFETIME_MS: String(lifetimeMs) }),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  live.add(child);
  const lines: string[] = [];
  let seen = '';
  const keep = (text: string) => {
    lines.push(text);
    if (lines.length > 40) lines.shift();
    if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}] ${text}`);
  };
  const output = () => lines.join('').trim().split('\n').slice(-15).join('\n');
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', keep);

  let exited = false;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      live.delete(child);
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`${name} (pid ${child.pid}) exited (${signal ?? code})`));
      }
      pending.clear();
      rmSync(dataDir, { recursive: true, force: true });
      resolve();
    });
  });
  child.on('message', (raw) => {
    const { id, ok, result, error } = raw as { id: number; ok: boolean; result?: unknown; error?: string };
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    clearTimeout(p.timer);
    if (ok) p.resolve(result);
    else p.reject(new Error(`${name}: ${error ?? 'failed'}`));
  });

  const listening = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not listen within ${START_TIMEOUT_MS} ms:\n${output()}`));
    }, START_TIMEOUT_MS);
    const onData = (text: string) => {
      seen += text;
      keep(text);
      const match = /listening on (http:\/\/\S+) +\(node (\S+),/.exec(seen);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      resolve(match);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}) before it listened:\n${output()}`));
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
  // Read on, so a chatty node never blocks on a full pipe.
  child.stdout!.on('data', keep);
  const url = listening[1]!;
  let nextId = 1;
  const running = () => !exited && child.exitCode === null && child.signalCode === null;
  const call = <T>(cmd: string, args: object = {}, timeoutMs = 30_000): Promise<T> => {
    if (!running()) return Promise.reject(new Error(`${name} has exited`));
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${name}: ${cmd} took longer than ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      child.send({ id, cmd, args });
    });
  };
  return {
    name,
    pid: child.pid!,
    url,
    port: Number(new URL(url).port),
    nodeId: listening[2]!,
    dataDir,
    call,
    stats: () => call<NodeStats>('stats'),
    crash: async () => {
      const at = performance.now();
      if (running()) child.kill('SIGKILL');
      await exitedPromise;
      return at;
    },
    pause: () => {
      if (running()) child.kill('SIGSTOP');
    },
    resume: () => {
      if (running()) child.kill('SIGCONT');
    },
    stop: async (timeoutMs = 20_000) => {
      if (!running()) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await exitedPromise;
      clearTimeout(timer);
    },
    exited: exitedPromise,
    running,
    output,
  };
}

/** Stops every node still running (SIGTERM, then SIGKILL), by pid. */
export async function stopAllNodes(nodes: readonly RollcallNode[], timeoutMs = 20_000): Promise<void> {
  await Promise.all(nodes.map((node) => node.stop(timeoutMs)));
}

export const runningNodes = () => live.size;
