// A real Redis (Debian's redis-server) for one test file: a throwaway server in a temp dir, reached by
// a unix socket there, or on a free loopback port when a test needs replication (a replica follows its
// master over TCP). A test can crash it (SIGKILL: without persistence its data is gone, as after a
// restart without data; with `persist` it comes back with everything it acknowledged), start it again
// on the same socket, and promote a replica. See
// /work/shared/CLUSTER.md for the measured recipe and what clients do across a restart.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import { skipUnlessInstalled } from './requirements.ts';

const BIN = '/usr/bin/redis-server';
/** Deadline for a server to answer PING after it was started (it takes about 75 ms). */
const READY_TIMEOUT_MS = 10_000;

/** A plain client for what a test does to Redis behind the stores' backs; it reconnects by itself. */
export function redisAdmin(url: string) {
  const client = createClient({ url, RESP: 2 });
  client.on('error', () => undefined); // tests read outcomes from commands
  return client;
}

export type RedisAdmin = ReturnType<typeof redisAdmin>;

/** Runs `use` with a connected admin client, closed afterwards. */
export async function withRedisAdmin<T>(url: string, use: (admin: RedisAdmin) => Promise<T>): Promise<T> {
  const admin = redisAdmin(url);
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    admin.destroy();
  }
}

/** A skip reason when redis-server is not installed (a failure under ROLLCALL_REQUIRE_ALL=1), else false. */
export function skipUnlessRedis(): string | false {
  return skipUnlessInstalled(BIN, 'redis-server');
}

export interface RedisServer {
  /** `unix:///…/redis.sock`, or `redis://127.0.0.1:<port>` for a server started with `tcp`. */
  url: string;
  /** The server's pid while it runs. */
  readonly pid: number | undefined;
  /** For a server started with `tls`: its self-signed certificate, the file a client must trust. */
  caFile?: string;
  /** kill -9: the server is gone with everything it held (unless started with `persist`). */
  crash(): Promise<void>;
  /** Starts it again on the same socket or port: empty, or with its data when started with `persist`. */
  restart(): Promise<void>;
  /** Stops it by its pid and removes its directory. */
  stop(): Promise<void>;
}

export interface RedisOptions {
  /** Listen on a free loopback port as well (replication needs TCP); default: the unix socket only. */
  tcp?: boolean;
  /** Start as a replica of this server (which must have been started with `tcp`). */
  replicaOf?: RedisServer;
  /**
   * Keep the data across crash() and restart(): an append-only file written on every write
   * (`appendfsync always`), so a kill -9 loses nothing the server acknowledged. Default: no persistence.
   */
  persist?: boolean;
  /**
   * Require this password (`requirepass`); a replica also uses it to reach its master (`masterauth`),
   * so give master and replica the same one. The server's url carries it. Default: none.
   */
  password?: string;
  /**
   * Serve TLS only, on a free loopback port (`rediss://127.0.0.1:<port>`), with a certificate for
   * 127.0.0.1 made for this server by openssl; clients must trust `caFile`. The unix socket stays plain
   * (the readiness probe uses it).
   */
  tls?: boolean;
}

/** A free port on 127.0.0.1, found by binding port 0 and letting it go again. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (!address || typeof address !== 'object') throw new Error('no free port');
  return address.port;
}

export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-redis-'));
  const socket = join(dir, 'redis.sock');
  const port = options.tcp || options.replicaOf ? await freePort() : 0;
  const tlsPort = options.tls ? await freePort() : 0;
  const master = options.replicaOf && new URL(options.replicaOf.url);
  if (master && master.protocol !== 'redis:') throw new Error('a replica follows its master over TCP: start the master with { tcp: true }');
  const certificate = options.tls ? selfSignedCertificate(dir) : undefined;
  const args = [
    '--port',
    String(port),
    ...(port !== 0 || certificate ? ['--bind', '127.0.0.1'] : []),
    ...(certificate
      ? ['--tls-port', String(tlsPort), '--tls-cert-file', certificate.cert, '--tls-key-file', certificate.key, '--tls-auth-clients', 'no']
      : []),
    '--unixsocket',
    socket,
    '--unixsocketperm',
    '700',
    '--save',
    '',
    '--appendonly',
    options.persist ? 'yes' : 'no',
    ...(options.persist ? ['--appendfsync', 'always'] : []),
    '--dir',
    dir,
    // A new replica's first sync starts at once (Redis waits 5 s by default for more replicas to join).
    '--repl-diskless-sync-delay',
    '0',
    ...(master ? ['--replicaof', master.hostname, master.port] : []),
    ...(options.password !== undefined ? ['--requirepass', options.password, '--masterauth', options.password] : []),
  ];
  let server: ChildProcess | undefined;
  let stopped = false;
  const killOnExit = () => server?.kill('SIGKILL');
  const running = () => server !== undefined && server.exitCode === null && server.signalCode === null;
  const exited = (child: ChildProcess) => new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const launch = async () => {
    const child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    let log = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8').on('data', (chunk: string) => {
        log = (log + chunk).slice(-8_192);
      });
    }
    await pingWhenReady(child, socket, options.password, () => log);
  };
  const kill = async (signal: NodeJS.Signals) => {
    if (!server || !running()) return;
    const done = exited(server);
    server.kill(signal);
    await done;
  };

  process.once('exit', killOnExit);
  try {
    await launch();
  } catch (error) {
    await kill('SIGKILL');
    process.off('exit', killOnExit);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const address = certificate ? `rediss://127.0.0.1:${tlsPort}` : port !== 0 ? `redis://127.0.0.1:${port}` : `unix://${socket}`;
  return {
    url: withPassword(address, options.password),
    ...(certificate && { caFile: certificate.cert }),
    get pid() {
      return running() ? server?.pid : undefined;
    },
    crash: () => kill('SIGKILL'),
    restart: async () => {
      if (running()) throw new Error('redis is still running: crash() it first');
      await launch();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await kill('SIGTERM');
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A key and a self-signed certificate for 127.0.0.1, written into `dir`. */
function selfSignedCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const subject = ['-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', ...subject, '-keyout', key, '-out', cert], {
    stdio: 'ignore',
  });
  return { cert, key };
}

/** The URL with the password in it, as a client takes it (`redis://:pw@host:port`). */
function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}

/** Polls PING over the socket until the new server answers or the deadline passes. */
async function pingWhenReady(server: ChildProcess, socket: string, password: string | undefined, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`redis-server exited (${server.exitCode ?? server.signalCode}) before answering:\n${log()}`);
    }
    // No reconnecting: a refused connection is the answer this poll wants.
    const client = createClient({ socket: { path: socket, reconnectStrategy: false }, ...(password !== undefined && { password }) });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const answer = await client.ping();
      client.destroy();
      if (answer === 'PONG') return;
    } catch {
      client.destroy();
    }
    if (Date.now() > deadline) throw new Error(`redis-server did not answer within ${READY_TIMEOUT_MS} ms:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
