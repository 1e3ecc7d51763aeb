// The shared servers of a rollcall cluster for the benchmark: real Debian redis-server processes (each
// on a unix socket in a temp dir, no TCP port) and one PostgreSQL 15 (unix socket only), started the
// way the tests start them (test/helpers/redis.ts, test/helpers/postgres.ts: no root daemons, no
// persistence for Redis, fsync off for PostgreSQL). They are children of the runner, stopped by pid
// when the workload ends and killed by the runner's exit hooks on a failure or signal; a guard child
// (backend-guard.ts) kills them if the runner itself is SIGKILLed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@redis/client';
import { startPostgres, type PostgresServer } from '../../test/helpers/postgres.ts';
import { startRedis, type RedisServer } from '../../test/helpers/redis.ts';
import { BENCH_DIR, forkChild, type Child } from './child.ts';

const connectRedis = (url: string) => createClient({ url });

export interface BenchRedis {
  server: RedisServer;
  url: string;
  pid: number;
  /** A client for the benchmark's own reads (INFO, MEMORY USAGE). */
  client: ReturnType<typeof connectRedis>;
  info(section: string): Promise<Record<string, string>>;
  /** Bytes a key and its value take (MEMORY USAGE … SAMPLES 0: every element counted); 0 if absent. */
  memoryUsage(key: string): Promise<number>;
  /** Redis's own CPU time (INFO cpu: used_cpu_user + used_cpu_sys), µs. */
  cpuUs(): Promise<number>;
}

export interface Backends {
  redis: BenchRedis[];
  postgres: PostgresServer;
  /** One fresh database per entry of `databases`. */
  databaseUrls: string[];
  stop(): Promise<void>;
}

export async function startBackends(options: { redisServers: number; databases: number; lifetimeMs: number }): Promise<Backends> {
  const guard: Child = await forkChild(join(BENCH_DIR, 'lib/backend-guard.ts'), { name: 'backend guard', lifetimeMs: options.lifetimeMs });
  const redis: BenchRedis[] = [];
  const servers: RedisServer[] = [];
  let postgres: PostgresServer | undefined;
  const stop = async () => {
    for (const r of redis) r.client.destroy();
    await Promise.all(
      servers.map(async (server) => {
        if (server.pid !== undefined) await guard.call('release', { pid: server.pid }).catch(() => undefined);
        await server.stop();
      }),
    );
    if (postgres) {
      const pid = postmasterPid(postgres);
      if (pid !== undefined) await guard.call('release', { pid }).catch(() => undefined);
      await postgres.stop();
    }
    await guard.stop();
  };
  try {
    // Started together; whatever did start is stopped again if anything failed.
    const started = await Promise.allSettled([startPostgres(), ...Array.from({ length: options.redisServers }, () => startRedis())]);
    const [pgStart, ...redisStarts] = started;
    for (const r of redisStarts) if (r.status === 'fulfilled') servers.push(r.value as RedisServer);
    if (pgStart?.status === 'fulfilled') postgres = pgStart.value as PostgresServer;
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const pg = postgres!;
    const pgPid = postmasterPid(pg);
    if (pgPid !== undefined) await guard.call('watch', { pid: pgPid, signal: 'SIGQUIT' });
    for (const server of servers) {
      const pid = server.pid!;
      await guard.call('watch', { pid, signal: 'SIGKILL' });
      const client = connectRedis(server.url);
      client.on('error', () => undefined);
      await client.connect();
      redis.push({
        server,
        url: server.url,
        pid,
        client,
        info: async (section) => parseInfo(await client.info(section)),
        memoryUsage: async (key) => Number((await client.sendCommand(['MEMORY', 'USAGE', key, 'SAMPLES', '0'])) ?? 0),
        cpuUs: async () => {
          const cpu = parseInfo(await client.info('cpu'));
          return (Number(cpu.used_cpu_user) + Number(cpu.used_cpu_sys)) * 1e6;
        },
      });
    }
    const databaseUrls: string[] = [];
    for (let i = 0; i < options.databases; i++) databaseUrls.push((await pg.createDatabase()).url);
    return { redis, postgres: pg, databaseUrls, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** The postmaster's pid, from its pid file (the first line). */
function postmasterPid(pg: PostgresServer): number | undefined {
  try {
    const pid = Number(readFileSync(join(pg.socketDir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}
