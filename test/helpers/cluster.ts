// A rollcall cluster for tests: one real Redis and one real PostgreSQL, and nodes on them: in this
// process (startTestServer: the test can reach into each node) or as real processes (kill -9).
import { skipUnlessPostgres, startPostgres, type PostgresServer } from './postgres.ts';
import { skipUnlessRedis, startRedis, type RedisServer } from './redis.ts';
import { startRollcallProcess, type RollcallProcess } from './rollcall-process.ts';
import { startTestServer, TEST_ADMIN_PASSWORD, TEST_INGEST_KEY, TEST_TOKEN_SECRET, type TestServer } from './server.ts';
import type { ConfigInput } from '../../src/config/schema.ts';

/** A skip reason when Redis or PostgreSQL is not installed, else false. */
export function skipUnlessCluster(): string | false {
  return skipUnlessRedis() || skipUnlessPostgres();
}

export interface ClusterBackends {
  redis: RedisServer;
  postgres: PostgresServer;
  databaseUrl: string;
  /** The settings every node of this cluster shares. */
  settings: Partial<ConfigInput>;
  /** The same as ROLLCALL_* variables, for nodes in their own processes. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startClusterBackends(options: { redisTcp?: boolean; redisTls?: boolean } = {}): Promise<ClusterBackends> {
  const [redis, postgres] = await Promise.all([
    startRedis({ tcp: options.redisTcp ?? false, tls: options.redisTls ?? false }),
    startPostgres(),
  ]);
  const { url: databaseUrl } = await postgres.createDatabase();
  const settings: Partial<ConfigInput> = {
    liveStore: 'redis',
    redisUrl: redis.url,
    historyStore: 'postgres',
    databaseUrl,
    tokenSecret: TEST_TOKEN_SECRET,
  };
  const env = {
    ROLLCALL_LIVE_STORE: 'redis',
    ROLLCALL_REDIS_URL: redis.url,
    ROLLCALL_HISTORY_STORE: 'postgres',
    ROLLCALL_DATABASE_URL: databaseUrl,
    ROLLCALL_TOKEN_SECRET: TEST_TOKEN_SECRET,
    ROLLCALL_INGEST_KEY: TEST_INGEST_KEY,
    ROLLCALL_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    ROLLCALL_LOG_LEVEL: 'warn',
  };
  return {
    redis,
    postgres,
    databaseUrl,
    settings,
    env,
    stop: async () => {
      await redis.stop();
      await postgres.stop();
    },
  };
}

/** A node in this process. */
export function startClusterNode(backends: ClusterBackends, overrides: Partial<ConfigInput> = {}): Promise<TestServer> {
  return startTestServer({ ...backends.settings, ...overrides });
}

/** A node in its own process, with these extra ROLLCALL_* variables. */
export function startClusterProcess(
  backends: ClusterBackends,
  dataDir: string,
  env: Record<string, string> = {},
): Promise<RollcallProcess> {
  return startRollcallProcess(['--data-dir', dataDir], { ...backends.env, ...env });
}
