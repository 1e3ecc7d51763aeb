// Cluster backends (test/helpers/cluster.ts) with the Redis a recovery test needs instead of the
// plain one: a Redis that keeps its data across a crash, or Sentinel watching a master and a replica.
// startClusterBackends makes the PostgreSQL database and the shared settings; its own Redis is
// swapped for the one asked for here.
import type { ConfigInput } from '../../src/config/schema.ts';
import { startClusterBackends, type ClusterBackends } from './cluster.ts';
import { startRedis } from './redis.ts';
import { startSentinels, type RedisSentinels, type SentinelOptions } from './redis-sentinel.ts';

/** Backends whose Redis comes back with everything it acknowledged after crash() and restart(). */
export async function startPersistentBackends(): Promise<ClusterBackends> {
  const base = await startClusterBackends();
  await base.redis.stop();
  const redis = await startRedis({ persist: true });
  return {
    ...base,
    redis,
    settings: { ...base.settings, redisUrl: redis.url },
    env: { ...base.env, ROLLCALL_REDIS_URL: redis.url },
    stop: async () => {
      await redis.stop();
      await base.stop();
    },
  };
}

export interface SentinelBackends extends ClusterBackends {
  sentinels: RedisSentinels;
}

/** Backends whose nodes reach Redis through Sentinel (ROLLCALL_REDIS_SENTINELS); `redis` is the first master. */
export async function startSentinelBackends(options: SentinelOptions = {}): Promise<SentinelBackends> {
  const base = await startClusterBackends();
  await base.redis.stop();
  const sentinels = await startSentinels(options);
  const { redisUrl: _url, ...settings } = base.settings;
  const { ROLLCALL_REDIS_URL: _env, ...env } = base.env;
  const viaSentinel: Partial<ConfigInput> = { redisSentinels: sentinels.list, redisMasterName: sentinels.masterName };
  return {
    ...base,
    redis: sentinels.master,
    sentinels,
    settings: { ...settings, ...viaSentinel },
    env: { ...env, ROLLCALL_REDIS_SENTINELS: sentinels.list, ROLLCALL_REDIS_MASTER_NAME: sentinels.masterName },
    stop: async () => {
      await sentinels.stop();
      await base.stop();
    },
  };
}
