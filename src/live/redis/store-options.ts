// What a Redis live store is opened with (redis-live-store.ts), its defaults, and the arguments and
// targets derived from them.
import { randomUUID } from 'node:crypto';
import type { SessionIdBlockSource } from '../session-ids.ts';
import type { RedisTarget } from './connection.ts';
import type { SentinelAddress } from './sentinel-link.ts';

export interface RedisLiveStoreOptions {
  /**
   * redis://…, rediss://… (TLS), or unix:///path/redis.sock. With `sentinels`, only its credentials
   * and database count: they are the master's.
   */
  url?: string;
  /** Sentinels to ask for the master (instead of `url`'s server); the connections follow it through failovers. */
  sentinels?: readonly SentinelAddress[];
  /** The name the sentinels know the master by; default 'mymaster'. */
  masterName?: string;
  /** This node's GUID. */
  nodeId: string;
  /** Where blocks of session ids come from (history's counter, shared by every node). */
  idSource: SessionIdBlockSource;
  /** Keys are `{<prefix>}:…` (one hash tag: scripts stay atomic on Redis Cluster). Default 'rollcall'. */
  keyPrefix?: string;
  /** Approximate MAXLEN of the change stream, in entries; default 100,000 (about 50 MiB at about 530 B an entry, measured). */
  streamMaxLength?: number;
  /** How often this node writes queued heartbeats to Redis, ms; default 1,000. */
  activityFlushMs?: number;
  /** Background faults: the reader loop, flushes, connections, change listeners. Default: ignored. */
  onError?: (error: unknown, context: string) => void;
  /** A clock in ms (only differences count): how long the connection has been steady. Default: monotonic. */
  now?: () => number;
  /**
   * After Redis lost the cluster's state, how long from the new epoch's start (Redis's clock) every
   * node waits for the others to re-assert their sessions before it reloads, ms; default 2,000:
   * about two beats, the time a node takes to notice the loss after Redis answers again (recovery.ts).
   */
  recoveryGraceMs?: number;
  /**
   * How long a new epoch accepts re-asserted sessions, ms; default 60,000. Sessions ended meanwhile
   * are remembered that long (so a late re-assert cannot revive one); a node that comes back later
   * than that re-asserts nothing and just reloads.
   */
  reassertWindowMs?: number;
}

export const DEFAULT_KEY_PREFIX = 'rollcall';
export const DEFAULT_STREAM_MAX_LENGTH = 100_000;
export const DEFAULT_ACTIVITY_FLUSH_MS = 1_000;
const DEFAULT_MASTER_NAME = 'mymaster';
export const DEFAULT_RECOVERY_GRACE_MS = 2_000;
const DEFAULT_REASSERT_WINDOW_MS = 60_000;
/**
 * How long a mutation waits for this node to rejoin after Redis lost its state, beyond the grace:
 * the join and the re-assert of a replica take well under a second for tens of thousands of sessions.
 * Longer, the caller gets 'unavailable' (a 503) rather than a request that hangs.
 */
export const REJOIN_WAIT_BEYOND_GRACE_MS = 3_000;

export type JoinReply = [epoch: string, windowStart: string | null, now: string];

/** JOIN_EPOCH's arguments (scripts.ts). */
export function joinArgs(epoch: string, floor: string, replace: boolean, options: RedisLiveStoreOptions): string[] {
  return [
    epoch,
    randomUUID(),
    floor,
    replace ? '1' : '0',
    String(options.reassertWindowMs ?? DEFAULT_REASSERT_WINDOW_MS),
    String(options.streamMaxLength ?? DEFAULT_STREAM_MAX_LENGTH),
  ];
}

/** Where the connections go: the sentinels' master when sentinels are given, else the URL's server. */
export function targetOf(options: RedisLiveStoreOptions): RedisTarget {
  if (options.sentinels && options.sentinels.length > 0) {
    return {
      sentinels: options.sentinels,
      masterName: options.masterName ?? DEFAULT_MASTER_NAME,
      ...(options.url !== undefined && { url: options.url }),
    };
  }
  if (options.url === undefined) throw new Error('RedisLiveStore needs a url or sentinels');
  return { url: options.url };
}
