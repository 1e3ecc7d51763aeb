// Which settings of the config schema have CLI flags, and how they are described in --help.
// A flag's name is derived from its schema key (`sessionTtl` → `--session-ttl`), and load.ts names a
// flag the same way in its errors, so the two can never disagree. Values stay strings here: the zod
// schema alone parses and checks them, with the same messages as for the file and the environment.
// Secrets (adminPassword, ingestKey, tokenSecret, databaseUrl and redisUrl, which may hold passwords) have no
// flags on purpose: argv is visible to every user of the machine (`ps`), so they come from the config
// file or ROLLCALL_* variables only.
import { Option } from 'commander';
import { envName } from '../config/load.ts';
import { configSchema, type Config } from '../config/schema.ts';

export interface ConfigOption {
  key: keyof Config;
  /** Shown in help as `--flag <value>`. */
  value: string;
  description: string;
}

/** Every command that opens the data dir takes these. */
export const DATA_DIR_OPTIONS: readonly ConfigOption[] = [
  { key: 'dataDir', value: 'dir', description: 'folder for the SQLite file, node id and generated secrets' },
];

/** Commands that run a server (serve, demo) take these as well. */
export const SERVER_OPTIONS: readonly ConfigOption[] = [
  { key: 'port', value: 'port', description: 'TCP port to listen on; 0 picks a free one' },
  { key: 'host', value: 'host', description: 'interface to listen on; 0.0.0.0 or :: serves the network' },
  { key: 'sessionTtl', value: 'seconds', description: 'how long an HTTP session lives without a heartbeat' },
  { key: 'offlineWindow', value: 'seconds', description: 'how long a user stays in offline lists after last seen' },
  { key: 'wsHeartbeatMs', value: 'ms', description: 'interval of WebSocket pings; two missed end the socket' },
  { key: 'wsResumeGraceMs', value: 'ms', description: 'how long a WebSocket session waits for a resume' },
  { key: 'sweepIntervalMs', value: 'ms', description: 'interval of the sweep that ends expired sessions' },
  { key: 'historyFlushMs', value: 'ms', description: 'interval of batched history writes' },
  { key: 'trustProxy', value: 'value', description: 'believe X-Forwarded-For: false, true, or a list of proxy CIDRs' },
  { key: 'liveStore', value: 'kind', description: 'where live sessions are kept' },
  { key: 'historyStore', value: 'kind', description: 'where history is kept' },
  { key: 'redisSentinels', value: 'list', description: 'Redis Sentinel host:port list (instead of ROLLCALL_REDIS_URL)' },
  { key: 'redisMasterName', value: 'name', description: 'the master name the sentinels know' },
  { key: 'redisKeyPrefix', value: 'prefix', description: "prefix of the cluster's Redis keys" },
  { key: 'nodeRole', value: 'role', description: "this node's role in a cluster: master or traffic" },
  { key: 'logLevel', value: 'level', description: 'fatal, error, warn, info, debug, trace or silent' },
  { key: 'logFormat', value: 'format', description: 'auto (readable on a terminal, JSON otherwise), json or pretty' },
];

export const CONFIG_OPTION_KEYS: ReadonlySet<string> = new Set([...DATA_DIR_OPTIONS, ...SERVER_OPTIONS].map((o) => o.key));

/** `sessionTtl` → `session-ttl`, the inverse of how commander names an option's attribute. */
const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

// The schema's defaults, read once so help shows the values that really apply.
const DEFAULTS: Partial<Record<keyof Config, unknown>> = configSchema.parse({});

/**
 * A commander Option for a setting. No commander default: a default would count as a flag and beat
 * the file and the environment, so help only mentions it.
 */
export function configOption({ key, value, description }: ConfigOption): Option {
  const fallback = DEFAULTS[key];
  const shown = fallback === undefined ? '' : `; default ${String(fallback)}`;
  return new Option(`--${kebab(key)} <${value}>`, `${description} (env ${envName(key)}${shown})`);
}
