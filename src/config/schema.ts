// The one configuration schema. Every setting has a default here, may come from a JSON config file
// (`--config`), from a ROLLCALL_* environment variable (the name is the key in UPPER_SNAKE case) and
// from a CLI flag, in that order of precedence (see load.ts). Units are in the names or comments.
import { z } from 'zod';
import { databaseUrlProblem } from '../history/postgres/database-url.ts';
import { parseSentinels, redisUrlProblem } from './redis-url.ts';

/** How log lines are written (see observability/log-format.ts). */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

/** Who may scrape GET /metrics (see observability/metrics-route.ts). */
export const METRICS_ACCESS = ['loopback', 'credentials', 'open'] as const;

const seconds = (max: number) => z.coerce.number().int().min(1).max(max);
const millis = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const flag = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off|)$/i.test(value)) return false;
  return value;
}, z.boolean());

export const configSchema = z
  .object({
    /** TCP port of the HTTP/WebSocket server. 0 picks a free port (tests). */
    port: z.coerce.number().int().min(0).max(65535).default(8080),
    /** Interface to listen on. Loopback by default; set 0.0.0.0 (or ::) to serve a network. */
    host: z.string().min(1).default('127.0.0.1'),
    /** Folder for the SQLite file, the node id, and the generated secrets. */
    dataDir: z.string().min(1).default('./data'),
    /** Password of the bootstrap account `admin`, used only when that account is first created. */
    adminPassword: z.string().min(8, 'must be at least 8 characters').optional(),
    /** The ingest key. When absent, one is generated on first start, printed once and kept (hashed). */
    ingestKey: z.string().min(16, 'must be at least 16 characters').optional(),
    /**
     * HS256 secret for client tokens. When absent, one is generated and kept in the data dir; a cluster
     * (liveStore redis) needs the same one on every node.
     */
    tokenSecret: z.string().min(32, 'must be at least 32 characters').optional(),
    /** Seconds an HTTP session lives without a heartbeat. */
    sessionTtl: seconds(86_400).default(90),
    /** Seconds a user stays in offline lists after they were last seen. */
    offlineWindow: seconds(366 * 86_400).default(86_400),
    /** Milliseconds between WebSocket pings; a socket that misses two is ended. Sent to clients as heartbeatMs. */
    wsHeartbeatMs: millis(100, 300_000).default(15_000),
    /** Milliseconds a WebSocket session waits for a resume after its socket closed. */
    wsResumeGraceMs: millis(0, 600_000).default(10_000),
    /** Milliseconds between sweeps that end expired sessions; bounds how late an expiry is noticed. */
    sweepIntervalMs: millis(10, 60_000).default(1_000),
    /** Milliseconds between batched history writes (last seen, session log). Also flushed at shutdown. */
    historyFlushMs: millis(10, 60_000).default(2_000),
    /**
     * Whether X-Forwarded-For is believed: false (default; the socket's address is used), true (any
     * proxy), or a comma list of proxy addresses/CIDRs.
     */
    trustProxy: z.union([flag, z.string().min(1)]).default(false),
    /**
     * Milliseconds a client may take to send a request's headers (Node's headersTimeout; Node's
     * default is 60 s). A client that sends them a byte at a time is cut off after this.
     */
    headersTimeoutMs: millis(100, 600_000).default(10_000),
    /**
     * Milliseconds a client may take to send a whole request, headers and body (Node's
     * requestTimeout). Covers the largest batch (about 12 MB) on a slow link. Does not apply once a
     * request is in: WebSocket and change-stream connections last as long as they like.
     */
    requestTimeoutMs: millis(100, 3_600_000).default(60_000),
    /** Milliseconds an idle keep-alive connection is kept between requests. Behind a load balancer, above its idle timeout. */
    keepAliveTimeoutMs: millis(100, 600_000).default(5_000),
    /**
     * Open connections at most (HTTP, WebSocket and change streams alike); further ones are closed at
     * once. Keep it below the process's open-file limit (`ulimit -n`), minus room for the database and logs.
     */
    maxConnections: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
    /** Failed credential checks one client address may make before it must wait (then each failure doubles the wait). */
    authFailuresPerAddress: z.coerce.number().int().min(1).max(100_000).default(10),
    /**
     * Failed checks against one account, API key prefix or OAuth client, from anywhere, before it must
     * wait. Addresses the account last signed in from are not held by this wait.
     */
    authFailuresPerAccount: z.coerce.number().int().min(1).max(100_000).default(20),
    /** The longest wait, in milliseconds, after failed credential checks: minutes at most, so no one is locked out for long. */
    authLockoutMaxMs: millis(1_000, 900_000).default(300_000),
    /**
     * Where live sessions are kept: `memory` serves one node; `redis` makes this node a member of a
     * cluster whose nodes share one view of presence through Redis (redisUrl or redisSentinels), with
     * history in PostgreSQL.
     */
    liveStore: z.enum(['memory', 'redis']).default('memory'),
    /**
     * Redis of the cluster, required when liveStore is `redis` (unless redisSentinels is set):
     * `redis://[:password@]host[:port][/db]`, `rediss://…` for TLS, or `unix:///path/redis.sock`. It may
     * carry a password, so it has no CLI flag and is never shown unredacted.
     */
    redisUrl: z
      .string()
      .superRefine((value, ctx) => {
        const problem = redisUrlProblem(value);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    /**
     * Redis Sentinel instead of redisUrl: `host:port,host:port`. The nodes follow the master that the
     * sentinels name (redisMasterName) through failovers. A password in redisUrl, when both are set,
     * is used for the master and its replicas.
     */
    redisSentinels: z
      .string()
      .superRefine((value, ctx) => {
        try {
          parseSentinels(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: (error as Error).message });
        }
      })
      .optional(),
    /** The name the sentinels know the master by. */
    redisMasterName: z.string().min(1).max(200).default('mymaster'),
    /**
     * Prefix of every Redis key of the cluster (as a hash tag, `{rollcall}:…`, so that scripts stay on
     * one shard of a Redis Cluster). Two clusters may share a Redis under different prefixes.
     */
    redisKeyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only (1 to 64)')
      .default('rollcall'),
    /**
     * Where history is kept: `sqlite` (a file in the data dir, one node) or `postgres` (a database at
     * databaseUrl, shared by every node of a cluster).
     */
    historyStore: z.enum(['sqlite', 'postgres']).default('sqlite'),
    /**
     * PostgreSQL connection URL, required when historyStore is `postgres`: `postgres://user:password@host/db`,
     * or a unix socket directory as `postgresql:///db?host=/var/run/postgresql`. It carries a password,
     * so it has no CLI flag (argv is visible to every user of the machine) and is never shown unredacted.
     */
    databaseUrl: z
      .string()
      .superRefine((value, ctx) => {
        // The message describes the problem without quoting the value: it may hold a password.
        const problem = databaseUrlProblem(value);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    /** This node's role in a cluster; a single node is `master`. */
    nodeRole: z.enum(['master', 'traffic']).default('master'),
    /**
     * Clientexec dialect: the `link` of each user in `/api/users/usersonline`. `{id}` becomes the user id
     * (URL-encoded) and `{type}` `staff` or `customer`, e.g.
     * `https://billing.example.com/admin/index.php?fuse=clients&controller=userprofile&view=profilecontact&frmClientID={id}`.
     * Empty (the default) answers `""`.
     */
    ceLinkTemplate: z.string().max(2048).default(''),
    /** The name clients use to reach this node, as the dialects report it (BeyondTrust public_hostname). Default: the machine's host name. */
    publicHostname: z.string().min(1).max(253).optional(),
    /**
     * Default XML namespace of BeyondTrust command API answers, written byte for byte on the root. Real
     * appliances sent the http://www.bomgar.com form and some clients strip exactly that string.
     */
    btNamespace: z
      .string()
      .min(1)
      .max(512)
      .regex(/^[^\s"'<>&]+$/, 'must be a URI without spaces, quotes, <, > or &')
      .default('http://www.bomgar.com/namespaces/API/command'),
    /**
     * Milliseconds identical BeyondTrust command API queries share one computed answer, so pollers stay
     * cheap; a presence change shows within this window. 0 computes every answer afresh.
     */
    btCacheMs: millis(0, 60_000).default(1_000),
    /**
     * The same for Clientexec's online users and Motadata's active users: pollers within this window
     * share one computed answer (credentials are still checked on every request). 0 turns it off.
     */
    pollCacheMs: millis(0, 60_000).default(1_000),
    /**
     * Change stream (`GET /v1/events`): how many of the latest events are kept for clients that reconnect
     * with Last-Event-ID. A client further behind is told to resynchronise. It also caps what one slow
     * client may have queued: a client that falls this many events behind is sent `resync` and dropped.
     */
    streamBacklog: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
    /** Milliseconds between `: keep-alive` comments on an idle change stream, so proxies keep it open. */
    streamHeartbeatMs: millis(10, 300_000).default(15_000),
    /** Milliseconds one webhook delivery may take (connect, headers and all) before it counts as failed. */
    webhookTimeoutMs: millis(10, 120_000).default(10_000),
    /** Webhook deliveries in flight at once, across all subscriptions. */
    webhookConcurrency: z.coerce.number().int().min(1).max(256).default(8),
    /**
     * Webhook deliveries in flight at once to one subscription's receiver, on each node: a receiver that
     * hangs holds at most this many slots (and one, once it seems down), whatever its backlog.
     */
    webhookReceiverConcurrency: z.coerce.number().int().min(1).max(256).default(4),
    /** Milliseconds before the first retry of a failed delivery; each further retry waits twice as long (with jitter). */
    webhookRetryBaseMs: millis(1, 3_600_000).default(10_000),
    /** Longest wait in milliseconds between two attempts of one delivery, however many failed. */
    webhookRetryMaxMs: millis(1, 86_400_000).default(3_600_000),
    /** Milliseconds after its event that a delivery is still retried; then it is marked failed (default 24 h). */
    webhookRetryHorizonMs: millis(1, 30 * 86_400_000).default(86_400_000),
    /**
     * Milliseconds between samples of online users and sessions, the dashboard's chart (GET /v1/stats).
     * One is also taken at start. Samples are kept a day.
     */
    statsSampleMs: millis(50, 3_600_000).default(60_000),
    /**
     * Who may scrape GET /metrics: `loopback` (default; this machine freely, others with a reader
     * credential), `credentials` (always a reader credential: Basic account or API key), or `open`.
     * Behind a reverse proxy on the same machine, use `credentials` (or set trustProxy).
     */
    metricsAccess: z.enum(METRICS_ACCESS).default('loopback'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /**
     * How log lines look: `auto` (default) writes readable lines to a terminal and JSON lines to anything
     * else (a pipe, a file, journald, a container log); `json` and `pretty` force one or the other.
     */
    logFormat: z.enum(LOG_FORMATS).default('auto'),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.liveStore === 'redis' && config.redisUrl === undefined && config.redisSentinels === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['redisUrl'],
        message: 'is required when liveStore is redis: set ROLLCALL_REDIS_URL (or ROLLCALL_REDIS_SENTINELS)',
      });
    }
    if (config.liveStore === 'redis' && config.historyStore !== 'postgres') {
      ctx.addIssue({
        code: 'custom',
        path: ['liveStore'],
        message:
          'redis needs history shared by every node: set ROLLCALL_HISTORY_STORE=postgres and ROLLCALL_DATABASE_URL (a SQLite file belongs to one node)',
      });
    }
    if (config.liveStore === 'redis' && config.tokenSecret === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['tokenSecret'],
        message:
          'is required when liveStore is redis: every node must check client tokens with the same secret; set ROLLCALL_TOKEN_SECRET to the same value on every node',
      });
    }
    if (config.historyStore === 'postgres' && config.databaseUrl === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['databaseUrl'],
        message: 'is required when historyStore is postgres: set ROLLCALL_DATABASE_URL (or databaseUrl in the config file)',
      });
    }
  });

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export const CONFIG_KEYS = Object.keys(configSchema.shape) as (keyof Config)[];
