// A real PostgreSQL 15 server for one test file: a throwaway cluster in a temp dir, reachable only
// through a unix socket in that dir (no TCP port), started as the `postgres` user when the tests run
// as root (initdb and postgres refuse root). Tests get fresh databases from it and the `after` hook
// stops it by its pid and removes the dir. See /work/shared/CLUSTER.md for the measured recipe.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { skipUnlessInstalled } from './requirements.ts';

const BIN = '/usr/lib/postgresql/15/bin';
/** Superuser that initdb creates; the tests connect as it. */
const SUPERUSER = 'rollcall';
/** Deadline for the server to accept connections after it was started (it takes about 0.1 s). */
const READY_TIMEOUT_MS = 15_000;
/** Deadline for a SIGTERM (smart shutdown: waits for sessions to end) before a fast shutdown. */
const STOP_TIMEOUT_MS = 5_000;

const run = promisify(execFile);

/** A skip reason when PostgreSQL 15 is not installed (a failure under ROLLCALL_REQUIRE_ALL=1), else false. */
export function skipUnlessPostgres(): string | false {
  return skipUnlessInstalled(join(BIN, 'initdb'), 'postgresql-15') || skipUnlessInstalled(join(BIN, 'postgres'), 'postgresql-15');
}

export interface PostgresServer {
  /** The directory holding the server's socket (and its data, under data/). */
  socketDir: string;
  /** The connection URL of a database on this server, by the socket directory. */
  urlOf(database: string): string;
  /** Creates an empty database (or a copy of `template`) and answers its URL. */
  createDatabase(options?: { template?: string }): Promise<{ name: string; url: string }>;
  /** Runs SQL as the superuser in the `postgres` database (CREATE DATABASE, pg_terminate_backend, …). */
  admin(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  /** An outage: the server quits at once (SIGQUIT), cutting every connection, its data kept. */
  crash(): Promise<void>;
  /** Starts the server again on the same data and socket, after crash(). */
  restart(): Promise<void>;
  /** Stops the server by its pid (SIGTERM, then waits) and removes its directory. */
  stop(): Promise<void>;
}

interface PostgresUser {
  uid: number;
  gid: number;
}

/** The ids to run the server under: the `postgres` user when we are root, else ourselves. */
function serverUser(): PostgresUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

export interface PostgresOptions {
  /**
   * Server settings (`-c name=value`) over the tests' own: fsync off, since a test server's data is
   * thrown away. The benchmark turns fsync back on to measure what a deployment would see.
   */
  settings?: Record<string, string>;
}

export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const settings = Object.entries({ fsync: 'off', ...options.settings }).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-pg-'));
  const dataDir = join(dir, 'data');
  const user = serverUser();
  let server: ChildProcess | undefined;
  let adminClient: pg.Client | undefined;
  let stopped = false;
  const killOnExit = () => server?.kill('SIGKILL');
  const running = () => server?.pid !== undefined && server.exitCode === null && server.signalCode === null;
  const exitOf = (child: ChildProcess) => new Promise<void>((resolve) => child.once('exit', () => resolve()));

  /** Starts the server on the data dir and connects the admin client once it accepts connections. */
  const launch = async () => {
    // Spawned with the user's ids rather than through runuser, so the pid we hold is the server's own
    // and a signal to it reaches the postmaster, not a wrapper.
    const child = spawn(join(BIN, 'postgres'), ['-D', dataDir, '-k', dir, '-c', 'listen_addresses=', ...settings], {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(user && { uid: user.uid, gid: user.gid }),
    });
    server = child;
    let log = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      log = (log + chunk).slice(-8_192);
    });
    adminClient = await connectWhenReady(child, dir, () => log);
  };

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await adminClient?.end().catch(() => undefined);
    if (server && running()) {
      const exited = exitOf(server);
      server.kill('SIGTERM');
      if (!(await settlesWithin(exited, STOP_TIMEOUT_MS))) {
        // A session left open (a pool a test did not close) holds a smart shutdown forever.
        process.stderr.write(`postgres ${server.pid} still had sessions after SIGTERM: fast shutdown (SIGINT)\n`);
        server.kill('SIGINT');
        await exited;
      }
    }
    process.off('exit', killOnExit);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const initdbArgs = ['-D', dataDir, '-A', 'trust', '-U', SUPERUSER, '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8'];
    if (user) {
      chownSync(dir, user.uid, user.gid);
      await run('runuser', ['-u', 'postgres', '--', join(BIN, 'initdb'), ...initdbArgs]);
    } else {
      await run(join(BIN, 'initdb'), initdbArgs);
    }
    process.once('exit', killOnExit);
    await launch();
  } catch (error) {
    await stop();
    throw error;
  }

  const urlOf = (database: string) => `postgresql:///${encodeURIComponent(database)}?host=${encodeURIComponent(dir)}&user=${SUPERUSER}`;
  let databases = 0;
  return {
    socketDir: dir,
    urlOf,
    admin: (text, values) => adminClient!.query(text, values),
    createDatabase: async (options = {}) => {
      const name = `test_${++databases}`;
      const template = options.template === undefined ? '' : ` TEMPLATE ${pg.escapeIdentifier(options.template)}`;
      await adminClient!.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}${template}`);
      return { name, url: urlOf(name) };
    },
    crash: async () => {
      await adminClient?.end().catch(() => undefined);
      if (!server || !running()) return;
      const exited = exitOf(server);
      // Immediate shutdown: every connection is cut, nothing is checkpointed; the next start recovers.
      server.kill('SIGQUIT');
      await exited;
    },
    restart: async () => {
      if (running()) throw new Error('postgres is still running: crash() it first');
      await launch();
    },
    stop,
  };
}

/** Polls a connection to the new server until it answers or the deadline passes. */
async function connectWhenReady(server: ChildProcess, dir: string, log: () => string): Promise<pg.Client> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`postgres exited (${server.exitCode ?? server.signalCode}) before accepting connections:\n${log()}`);
    }
    const client = new pg.Client({ host: dir, user: SUPERUSER, database: 'postgres' });
    try {
      await client.connect();
      // Only a connection that has not failed yet has an error listener; keep one for its lifetime.
      client.on('error', () => undefined);
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline)
        throw new Error(`postgres did not accept connections within ${READY_TIMEOUT_MS} ms: ${String(error)}\n${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
