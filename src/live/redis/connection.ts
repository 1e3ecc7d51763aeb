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
import { createClient, ErrorReply } from '@redis/client';
import { RollcallError } from '../../core/errors.ts';
import { OutageReporter } from './outage-reporter.ts';
import { EPOCH_MISMATCH, type LuaScript } from './scripts.ts';

/** Attempts of the first connection before `connect` gives up (about 5 s of back-off). */
const FIRST_CONNECT_ATTEMPTS = 8;
/** Longest pause between reconnect attempts, ms. */
const MAX_RECONNECT_DELAY_MS = 1_000;

export type ErrorReporter = (error: unknown, context: string) => void;

type Client = ReturnType<typeof createClient>;

/** One connection: raw commands and scripts, nothing else of the client's API. */
export class RedisConnection {
  private constructor(private readonly client: Client) {}

  /**
   * Opens a connection to `url` (redis://, rediss:// or unix:///path.sock). Socket errors are reported
   * once per outage under `name`, not once per reconnect attempt.
   */
  static async connect(url: string, name: string, report: ErrorReporter): Promise<RedisConnection> {
    let connected = false;
    const outage = new OutageReporter(report, `redis connection ${name}`);
    const reconnectStrategy = (retries: number, cause: Error): number | Error => {
      if (!connected && retries >= FIRST_CONNECT_ATTEMPTS) return cause;
      return Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 50);
    };
    const client = createClient({
      // The client parses every scheme, unix:// included (with credentials and ?db=).
      url,
      socket: { reconnectStrategy },
      name: name.replace(/[^\w.:-]/g, '_'),
      RESP: 2,
      disableOfflineQueue: true,
      commandOptions: { timeout: undefined },
    });
    // Without a listener an 'error' event would end the process. Before the first connection the
    // failure is what connect() throws.
    client.on('error', (error: unknown) => {
      if (connected) outage.failed(error);
    });
    client.on('ready', () => outage.worked());
    try {
      await client.connect();
    } catch (error) {
      client.destroy();
      throw unavailable(error, `cannot connect to Redis (${name})`);
    }
    connected = true;
    return new RedisConnection(client as Client);
  }

  send<T = unknown>(args: readonly string[]): Promise<T> {
    return this.client.sendCommand<T>(args);
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
    return this.client.close();
  }

  /** Closes at once; commands waiting for replies fail (a blocked XREAD among them). */
  destroy(): void {
    this.client.destroy();
  }
}

/** Redis answered that the stored epoch is not the caller's: it lost the cluster's state. */
export const isEpochMismatch = (error: unknown): boolean => error instanceof ErrorReply && error.message.startsWith(EPOCH_MISMATCH);

/**
 * The error a request gets when Redis cannot serve it: the one rollcall error for a 503, with the
 * Redis error as its cause for the logs (the message reaches clients and names nothing internal).
 */
export function unavailable(cause: unknown, message = 'the live store (Redis) is unavailable'): RollcallError {
  const error = new RollcallError('unavailable', message);
  error.cause = cause;
  return error;
}

export const EPOCH_LOST_MESSAGE = 'Redis lost the cluster\'s live state (its epoch changed); this node cannot change sessions until it rejoins';
