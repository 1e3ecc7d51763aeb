// Picks the LiveStore implementation named by config (`liveStore`). The Redis client is loaded only
// when a node is a cluster member; it reaches Redis by redisUrl, or through Sentinel (redisSentinels,
// redisMasterName) and then follows the master through failovers.
import { parseSentinels } from '../config/redis-url.ts';
import type { Config } from '../config/schema.ts';
import type { LiveStore } from './live-store.ts';
import { MemoryLiveStore } from './memory/memory-live-store.ts';
import type { SessionIdBlockSource } from './session-ids.ts';

export interface LiveStoreDeps {
  /** This node's GUID. */
  nodeId: string;
  /** Persistent counter for session ids, so no id repeats across restarts (and nodes). */
  idSource: SessionIdBlockSource;
  /** Background faults of a shared store (its stream reader, its flushes). */
  onError: (error: unknown, context: string) => void;
}

export async function createLiveStore(
  config: Pick<Config, 'liveStore' | 'redisUrl' | 'redisKeyPrefix'> & Partial<Pick<Config, 'redisSentinels' | 'redisMasterName'>>,
  deps: LiveStoreDeps,
): Promise<LiveStore> {
  switch (config.liveStore) {
    case 'memory':
      return new MemoryLiveStore({ idSource: deps.idSource, onListenerError: (error) => deps.onError(error, 'a change listener') });
    case 'redis': {
      if (config.redisUrl === undefined && config.redisSentinels === undefined) {
        throw new Error('liveStore redis needs redisUrl (ROLLCALL_REDIS_URL) or redisSentinels (ROLLCALL_REDIS_SENTINELS)');
      }
      const { RedisLiveStore } = await import('./redis/redis-live-store.ts');
      return RedisLiveStore.open({
        // With sentinels the URL only lends its password (and database) to the master they name.
        ...(config.redisUrl !== undefined && { url: config.redisUrl }),
        ...(config.redisSentinels !== undefined && { sentinels: parseSentinels(config.redisSentinels) }),
        ...(config.redisMasterName !== undefined && { masterName: config.redisMasterName }),
        nodeId: deps.nodeId,
        idSource: deps.idSource,
        keyPrefix: config.redisKeyPrefix,
        onError: deps.onError,
      });
    }
    default: {
      const unknownKind: never = config.liveStore;
      throw new Error(`unknown live store: ${String(unknownKind)}`);
    }
  }
}
