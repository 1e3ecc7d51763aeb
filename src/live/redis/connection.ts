// Connections to Redis for the live store, and how their failures surface.
//
// Client settings, and why:
// - `commandOptions.timeout: undefined`. @redis/client 6 gives every command a 5 s timeout unless
//   told otherwise (`{ timeout: DEFAULT_COMMAND_TIMEOUT, ...options.commandOptions }` in
//   client/index.js, so an explicit undefined opts out). Since 6.4 that timeout no longer costs an
//   `AbortSignal.timeout` per command (CLUSTER.md measured about 20 µs of CPU each with it), but a
//   deadline entry in CommandDeadlines; and without `rejectInFlight` it only ever covers a command
//   that waits to be written, which with the offline queue disabled (below) a command never does.
//   So it would buy nothing, and it is off.
// - `disableOfflineQueue: true`. While the socket is down a command fails at once with
//   ClientOfflineError instead of waiting for the reconnect: a request answers 503 in microseconds
//   rather than piling up, and no stale command is replayed into a Redis that restarted empty.
// - RESP2, pinned: the store reads raw replies (sendCommand) and relies on their shape.
// - Reconnects: forever once connected (the reader loop and the next request carry on); the first
//   connection gives up after a few attempts, so a node whose Redis is unreachable fails at start
//   with a clear error instead of hanging.
// - Through Sentinel (sentinel-link.ts), the same settings apply to the master's connections, and the
//   connection follows the master the sentinels name.
import { createClient, ErrorReply } from '@redis/client';
import { redactRedisUrl } from '../../config/redis-url.ts';
import { RollcallError } from '../../core/errors.ts';
import { FIRST_CONNECT_ATTEMPTS, reconnectDelay, type ConnectionEvents, type Link } from './link.ts';
import { OutageReporter } from './outage-reporter.ts';
import { EPOCH_MISMATCH, SEQ_BEHIND, type LuaScript } from './scripts.ts';
import { SentinelLink, type SentinelTarget } from './sentinel-link.ts';

export type { ErrorReporter } from './link.ts';

/** Where the cluster's Redis is: one server by URL, or the master a set of sentinels names. */
export type RedisTarget = { url: string } | SentinelTarget;

/** One connection: raw commands and scripts, nothing else of the client's API. */
export class RedisConnection {
  private constructor(private readonly link: Link) {}

  /**
   * Opens a connection to the target: a URL (redis://, rediss:// or unix:///path.sock) or Sentinel.
   * Socket errors are reported once per outage under `name`, not once per reconnect attempt.
   */
  static async connect(target: RedisTarget, name: string, events: ConnectionEvents): Promise<RedisConnection> {
    const clientName = name.replace(/[^\w.:-]/g, '_');
    const outage = new OutageReporter(events.report, `redis connection ${name}`);
    try {
      const link =
        'sentinels' in target
          ? await SentinelLink.open(target, clientName, outage, events)
          : await directLink(target.url, clientName, outage, events);
      return new RedisConnection(link);
    } catch (error) {
      // What an operator needs at a failed start: where rollcall looked, and what went wrong there.
      throw unavailable(error, `cannot connect to Redis ${whereTo(target)}: ${failureOf(error)}`);
    }
  }

  send<T = unknown>(args: readonly string[]): Promise<T> {
    return this.link.send<T>(args);
  }

  /** Runs a script by its sha, loading it when Redis does not know it (after a restart or failover). */
  async run<T = unknown>(script: LuaScript, keys: readonly string[], args: readonly string[]): Promise<T> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.send<T>(['EVALSHA', script.sha, ...tail]);
    } catch (error) {
      if (!(error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))) throw error;
      return this.send<T>(['EVAL', script.source, ...tail]);
    }
  }

  /** Waits for the replies of commands sent, then closes. */
  close(): Promise<void> {
    return this.link.close();
  }

  /** Closes at once; commands waiting for replies fail (a blocked XREAD among them). */
  destroy(): void {
    this.link.destroy();
  }
}

async function directLink(url: string, name: string, outage: OutageReporter, events: ConnectionEvents): Promise<Link> {
  let connected = false;
  const reconnectStrategy = (retries: number, cause: Error): number | Error => {
    if (!connected && retries >= FIRST_CONNECT_ATTEMPTS) return cause;
    return reconnectDelay(retries);
  };
  const client = createClient({
    // The client parses every scheme, unix:// included (with credentials and ?db=).
    url,
    socket: { reconnectStrategy },
    name,
    RESP: 2,
    disableOfflineQueue: true,
    commandOptions: { timeout: undefined },
  });
  // Without a listener an 'error' event would end the process. Before the first connection the
  // failure is what connect() throws.
  client.on('error', (error: unknown) => {
    if (!connected) return;
    outage.failed(error);
    events.interrupted();
  });
  client.on('reconnecting', () => {
    if (connected) events.interrupted();
  });
  client.on('ready', () => outage.worked());
  try {
    await client.connect();
  } catch (error) {
    client.destroy();
    throw error;
  }
  connected = true;
  return {
    send: <T>(args: readonly string[]) => client.sendCommand<T>(args),
    close: () => client.close(),
    destroy: () => client.destroy(),
  };
}

/** The target in words, its password left out. */
function whereTo(target: RedisTarget): string {
  if (!('sentinels' in target)) return `at ${redactRedisUrl(target.url)}`;
  const sentinels = target.sentinels.map(({ host, port }) => `${host}:${port}`).join(', ');
  return `"${target.masterName}" through Sentinel (${sentinels})`;
}

/** Why a connection failed, from the client's or the socket's error ("self-signed certificate", "connect ECONNREFUSED …"). */
function failureOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return failureOf(error.errors[0]);
  if (error instanceof Error) return error.message || (error as NodeJS.ErrnoException).code || error.name;
  return String(error);
}

/**
 * How Redis told a node that it lost (part of) the cluster's state: 'lost' when the stored epoch is
 * another (Redis lost its data, or another Redis took its place), 'behind' when the epoch is there but
 * the seq is below what the node saw (the server lost its newest writes); undefined for anything else.
 */
export type StateLoss = 'lost' | 'behind';

export function stateLossOf(error: unknown): StateLoss | undefined {
  if (!(error instanceof ErrorReply)) return undefined;
  if (error.message.startsWith(EPOCH_MISMATCH)) return 'lost';
  if (error.message.startsWith(SEQ_BEHIND)) return 'behind';
  return undefined;
}

/**
 * The error a request gets when Redis cannot serve it: the one rollcall error for a 503, with the
 * Redis error as its cause for the logs (the message reaches clients and names nothing internal).
 */
export function unavailable(cause: unknown, message = 'the live store (Redis) is unavailable'): RollcallError {
  const error = new RollcallError('unavailable', message);
  error.cause = cause;
  return error;
}

export const EPOCH_LOST_MESSAGE = "Redis lost the cluster's live state; this node is restoring it and takes changes again once it has";
