// The one configuration schema. Every setting has a default here, may come from a JSON config file
// (`--config`), from a ROLLCALL_* environment variable (the name is the key in UPPER_SNAKE case) and
// from a CLI flag, in that order of precedence (see load.ts). Units are in the names or comments.
import { z } from 'zod';

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
    /** HS256 secret for client tokens. When absent, one is generated and kept in the data dir. */
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
    /** Where live sessions are kept. `memory` serves one node. */
    liveStore: z.enum(['memory']).default('memory'),
    /** Where history is kept. */
    historyStore: z.enum(['sqlite']).default('sqlite'),
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
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export const CONFIG_KEYS = Object.keys(configSchema.shape) as (keyof Config)[];
