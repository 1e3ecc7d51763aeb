// Redis Sentinel for tests: a master and a replica on loopback TCP ports (test/helpers/redis.ts), and
// one to three sentinels watching them, each in a temp dir of its own with short timeouts, so a test
// can kill the master (or ask for a failover) and see the replica promoted within a few seconds.
// Debian's redis-server binary is the sentinel too (`redis-server <conf> --sentinel`; the package
// `redis-sentinel` only adds a service and a symlink): nothing else to install.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import { freePort, startRedis, type RedisServer } from './redis.ts';
import { waitFor } from './server.ts';

const BIN = '/usr/bin/redis-server';
/** Deadline for a sentinel to answer, and to see the replica, after it was started. */
const READY_TIMEOUT_MS = 15_000;

export interface RedisNode {
  host: string;
  port: number;
}

export interface SentinelOptions {
  /** How many sentinels (1 to 3); a failover needs a majority of them. Default 1. */
  sentinels?: number;
  /** How long the master may not answer before it is taken for down, ms. Default 1,000. */
  downAfterMs?: number;
  /** Sentinel's failover-timeout, ms (also how soon a failed failover is tried again). Default 3,000. */
  failoverTimeoutMs?: number;
  /** The name the sentinels know the master by. Default 'rollcall-test'. */
  masterName?: string;
  /** A password master and replica require (the sentinels are told it); the sentinels need none. */
  password?: string;
}

export interface RedisSentinels {
  /** The master as started (after a failover, a dead server or a replica). */
  master: RedisServer;
  /** The replica as started (the master after a failover). */
  replica: RedisServer;
  masterName: string;
  /** Where the sentinels listen. */
  addresses: RedisNode[];
  /** The same as ROLLCALL_REDIS_SENTINELS takes it: `127.0.0.1:p1,127.0.0.1:p2`. */
  list: string;
  /** The master the (first) sentinel names now. */
  currentMaster(): Promise<RedisNode>;
  /** Waits until the sentinel names another master than `previous`, and answers it. */
  waitForNewMaster(previous: RedisNode, timeoutMs?: number): Promise<RedisNode>;
  /** SENTINEL FAILOVER: promotes the replica while the master is up (the master becomes a replica). */
  failover(): Promise<void>;
  /** Stops the sentinels, then both servers, by their pids. */
  stop(): Promise<void>;
}

/** A server's or sentinel's answer to one command over a short-lived connection. */
async function ask<T>(node: RedisNode, args: string[], password?: string): Promise<T> {
  const client = createClient({
    socket: { host: node.host, port: node.port, reconnectStrategy: false },
    RESP: 2,
    ...(password !== undefined && { password }),
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.sendCommand<T>(args);
  } finally {
    client.destroy();
  }
}

const nodeOf = (server: RedisServer): RedisNode => {
  const url = new URL(server.url);
  return { host: url.hostname, port: Number(url.port) };
};

export async function startSentinels(options: SentinelOptions = {}): Promise<RedisSentinels> {
  const count = options.sentinels ?? 1;
  const masterName = options.masterName ?? 'rollcall-test';
  const { password } = options;
  const master = await startRedis({ tcp: true, ...(password !== undefined && { password }) });
  const replica = await startRedis({ replicaOf: master, ...(password !== undefined && { password }) });
  const processes: { child: ChildProcess; dir: string }[] = [];
  const addresses: RedisNode[] = [];
  const stopSentinels = async () => {
    for (const { child, dir } of processes) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    }
    processes.length = 0;
  };
  const killOnExit = () => {
    for (const { child } of processes) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  try {
    // Sentinel learns of replicas from its master's INFO (at once, then every 10 s): the replica must be
    // in sync before the sentinels start.
    await waitFor(async () => /master_link_status:up/.test(await ask<string>(nodeOf(replica), ['INFO', 'replication'], password)), {
      what: 'the replica in sync with its master',
      timeoutMs: READY_TIMEOUT_MS,
    });
    const { host, port } = nodeOf(master);
    for (let n = 0; n < count; n++) {
      const dir = mkdtempSync(join(tmpdir(), 'rollcall-sentinel-'));
      const sentinelPort = await freePort();
      // Sentinel rewrites its config file, so it lives in the sentinel's own dir.
      const conf = join(dir, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `port ${sentinelPort}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${masterName} ${host} ${port} ${Math.floor(count / 2) + 1}`,
          `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 1_000}`,
          `sentinel failover-timeout ${masterName} ${options.failoverTimeoutMs ?? 3_000}`,
          `sentinel parallel-syncs ${masterName} 1`,
          ...(password !== undefined ? [`sentinel auth-pass ${masterName} ${JSON.stringify(password)}`] : []),
          '',
        ].join('\n'),
      );
      const child = spawn(BIN, [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      for (const stream of [child.stdout, child.stderr]) {
        stream?.setEncoding('utf8').on('data', (chunk: string) => {
          log = (log + chunk).slice(-8_192);
        });
      }
      processes.push({ child, dir });
      const address = { host: '127.0.0.1', port: sentinelPort };
      addresses.push(address);
      await waitFor(
        () => {
          if (child.exitCode !== null || child.signalCode !== null) throw new Error(`sentinel ${n + 1} exited before answering:\n${log}`);
          return ask<string>(address, ['PING']).then(
            (pong) => pong === 'PONG',
            () => false,
          );
        },
        { what: `sentinel ${n + 1} answering`, timeoutMs: READY_TIMEOUT_MS },
      );
    }
    for (const address of addresses) {
      await waitFor(
        async () => {
          const replicas = await ask<string[][]>(address, ['SENTINEL', 'REPLICAS', masterName]);
          return replicas.some((fields) => {
            const flags = fields[fields.indexOf('flags') + 1] ?? '';
            return !/s_down|disconnected/.test(flags);
          });
        },
        { what: 'the sentinels knowing the replica', timeoutMs: READY_TIMEOUT_MS },
      );
      if (count > 1) {
        await waitFor(async () => (await ask<unknown[]>(address, ['SENTINEL', 'SENTINELS', masterName])).length === count - 1, {
          what: 'the sentinels knowing each other',
          timeoutMs: READY_TIMEOUT_MS,
        });
      }
    }
  } catch (error) {
    await stopSentinels();
    process.off('exit', killOnExit);
    await replica.stop();
    await master.stop();
    throw error;
  }

  const currentMaster = async (): Promise<RedisNode> => {
    const [ip, port] = await ask<[string, string]>(addresses[0]!, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName]);
    return { host: ip, port: Number(port) };
  };
  return {
    master,
    replica,
    masterName,
    addresses,
    list: addresses.map((a) => `${a.host}:${a.port}`).join(','),
    currentMaster,
    waitForNewMaster: (previous, timeoutMs = 20_000) =>
      waitFor(
        async () => {
          const now = await currentMaster().catch(() => undefined);
          return now && (now.host !== previous.host || now.port !== previous.port) ? now : undefined;
        },
        { what: 'the sentinels naming a new master', timeoutMs, intervalMs: 50 },
      ),
    failover: async () => {
      await ask(addresses[0]!, ['SENTINEL', 'FAILOVER', masterName]);
    },
    stop: async () => {
      await stopSentinels();
      process.off('exit', killOnExit);
      await replica.stop();
      await master.stop();
    },
  };
}
