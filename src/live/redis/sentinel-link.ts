// A connection that follows the master a set of Redis Sentinels name (@redis/client's createSentinel),
// for ROLLCALL_REDIS_SENTINELS. What the store does on top (epochs, floors, recovery) is the same as
// with a URL; this file only keeps the connection on the current master.
//
// Settings, and why:
// - One RedisSentinel per connection (the store has two: commands, and the reader that blocks in
//   XREAD). A blocked XREAD holds its connection, and the reader's destroy() must cut it at once; a
//   lease of a shared instance (`acquire()`) cannot be destroyed alone. masterPoolSize 1: one
//   connection to the master, as with a URL.
// - maxCommandRediscovers 0: the client never sends a command again after its connection failed with
//   the command under way (it may have run: a script applied twice). A command meeting a connection
//   that is down still makes the client ask the sentinels where the master is first (once), so after a
//   failover the first command finds the new master; while there is none, it fails at once, like a
//   direct connection with its offline queue disabled.
// - READONLY: the server this connection talks to was demoted (a failover the client has not heard of
//   yet, or an old master that came back as a replica). The command did not run. The link then
//   replaces its RedisSentinel with a fresh one that asks the sentinels anew, so the node moves to the
//   new master instead of staying on a replica; UNBLOCKED (a blocked XREAD cut by that change of role)
//   likewise.
// - The credentials and database of redisUrl, when set, are the master's (and its replicas'); the
//   sentinels themselves are asked without.
import { setTimeout as sleep } from 'node:timers/promises';
import { createSentinel, ErrorReply } from '@redis/client';
import { FIRST_CONNECT_ATTEMPTS, reconnectDelay, type ConnectionEvents, type Link } from './link.ts';
import type { OutageReporter } from './outage-reporter.ts';

export interface SentinelAddress {
  host: string;
  port: number;
}

export interface SentinelTarget {
  sentinels: readonly SentinelAddress[];
  /** The name the sentinels know the master by. */
  masterName: string;
  /** Only its credentials and database apply, to the master and its replicas. */
  url?: string;
}

type SentinelOptions = Parameters<typeof createSentinel>[0];
type Sentinel = Awaited<ReturnType<ReturnType<typeof createSentinel>['connect']>>;

/** Errors that say the server is no longer the master: the command did not run. */
const isDemoted = (error: unknown): boolean => error instanceof ErrorReply && /^(READONLY|UNBLOCKED)\b/.test(error.message);

export class SentinelLink implements Link {
  private replacing: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private sentinel: Sentinel,
    private readonly options: SentinelOptions,
    private readonly outage: OutageReporter,
    private readonly events: ConnectionEvents,
  ) {}

  /** Connects to the master the sentinels name, trying a few times (a failover may be under way). */
  static async open(target: SentinelTarget, name: string, outage: OutageReporter, events: ConnectionEvents): Promise<SentinelLink> {
    const options = sentinelOptions(target, name);
    for (let attempt = 1; ; attempt++) {
      try {
        return new SentinelLink(await connectSentinel(options, outage, events), options, outage, events);
      } catch (error) {
        if (attempt >= FIRST_CONNECT_ATTEMPTS) throw error;
        await sleep(reconnectDelay(attempt));
      }
    }
  }

  async send<T>(args: readonly string[]): Promise<T> {
    const sentinel = this.sentinel;
    try {
      return await sentinel.sendCommand<T>(false, [...args]);
    } catch (error) {
      if (isDemoted(error)) this.replace(sentinel);
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.replacing;
    await this.sentinel.close();
  }

  destroy(): void {
    this.closed = true;
    void this.sentinel.destroy().catch(() => undefined);
  }

  /** Swaps in a fresh instance that asks the sentinels anew; commands meanwhile go to the stale one. */
  private replace(stale: Sentinel): void {
    if (this.replacing || this.sentinel !== stale || this.closed) return;
    this.events.interrupted();
    this.replacing = (async () => {
      for (let attempt = 0; !this.closed; attempt++) {
        try {
          const fresh = await connectSentinel(this.options, this.outage, this.events);
          if (this.closed) {
            await fresh.destroy();
            return;
          }
          this.sentinel = fresh;
          await stale.destroy();
          return;
        } catch (error) {
          this.outage.failed(error);
          await sleep(reconnectDelay(attempt));
        }
      }
    })().finally(() => {
      this.replacing = undefined;
    });
  }
}

async function connectSentinel(options: SentinelOptions, outage: OutageReporter, events: ConnectionEvents): Promise<Sentinel> {
  let connected = false;
  const sentinel = createSentinel(options);
  // Without listeners these events would end the process; before the first connection, the failure is
  // what connect() throws.
  sentinel.on('error', (error: unknown) => {
    if (connected) outage.failed(error);
  });
  sentinel.on('client-error', (event: { type: string; error: unknown }) => {
    if (!connected || event.type !== 'MASTER') return;
    outage.failed(event.error);
    events.interrupted();
  });
  sentinel.on('topology-change', (event: { type: string }) => {
    if (connected && event.type === 'MASTER_CHANGE') events.interrupted();
  });
  sentinel.on('ready', () => outage.worked());
  try {
    await sentinel.connect();
  } catch (error) {
    await sentinel.destroy().catch(() => undefined);
    throw error;
  }
  connected = true;
  return sentinel;
}

function sentinelOptions(target: SentinelTarget, name: string): SentinelOptions {
  return {
    name: target.masterName,
    sentinelRootNodes: target.sentinels.map(({ host, port }) => ({ host, port })),
    RESP: 2,
    masterPoolSize: 1,
    maxCommandRediscovers: 0,
    // As for a direct connection (connection.ts): no per-command timeout.
    commandOptions: { timeout: undefined },
    nodeClientOptions: {
      name,
      disableOfflineQueue: true,
      socket: { reconnectStrategy: (retries: number) => reconnectDelay(retries) },
      ...(target.url !== undefined && credentialsOf(target.url)),
    },
  };
}

/** The user, password and database of a redis:// URL (the host is Sentinel's to name). */
function credentialsOf(url: string): { username?: string; password?: string; database?: number } {
  const parsed = new URL(url);
  const database = parsed.protocol === 'unix:' ? parsed.searchParams.get('db') : parsed.pathname.replace(/^\//, '');
  return {
    ...(parsed.username !== '' && { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password !== '' && { password: decodeURIComponent(parsed.password) }),
    ...(database && { database: Number(database) }),
  };
}
