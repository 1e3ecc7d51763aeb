// Builds a replica from Redis: at start, and again when the change stream no longer holds what this
// node missed. The positions L (the streams' last entries) and the seq are read in one step; then
// every session is loaded in chunks (never one huge reply), with its clock; then the streams are read
// from L and applied with the replica's version guards. Sessions change while the chunks load, but
// each of those changes is an entry after L, so the snapshot and the replay converge. A trimmed
// stretch after L (the load took so long that MAXLEN dropped entries it had not read) shows as a gap,
// and the load starts over. (ZMSCORE needs Redis 6.2 or later.)
import type { RedisConnection } from './connection.ts';
import type { StoreKeys } from './keys.ts';
import { Replica } from './replica.ts';
import { STREAM_HEAD } from './scripts.ts';
import { decodeStored, storedProfileRef } from './session-codec.ts';
import type { RawEntry } from './stream-entries.ts';
import { EpochLost, handOver, readStreams, StreamGap, type StreamPositions } from './stream-follower.ts';

/** Sessions asked for per HSCAN: replies of about 400 kB. */
const SNAPSHOT_CHUNK = 1_000;
/** Loads started over after a gap before the loader gives up (the reader loop tries again later). */
const LOAD_ATTEMPTS = 3;

export interface LoaderDeps {
  commands: RedisConnection;
  /** The connection that reads the stream (the reader loop's, idle while it loads). */
  reader: RedisConnection;
  keys: StoreKeys;
  keyList: readonly string[];
  /** The epoch the replica must belong to. */
  epoch: string;
  /** Applies an entry read after L to the replica being built, as the reader loop would, emitting nothing. */
  replay(replica: Replica, entry: RawEntry): void;
}

export interface LoadedReplica {
  replica: Replica;
  /** The last stream entries applied: the reader loop continues after them. */
  positions: StreamPositions;
}

export async function loadReplica(deps: LoaderDeps): Promise<LoadedReplica> {
  for (let attempt = 1; ; attempt++) {
    type Head = [epoch: string | null, seq: string | null, lastChange: string | null, lastActivity: string | null];
    const [epoch, seq, lastChange, lastActivity] = await deps.commands.run<Head>(STREAM_HEAD, deps.keyList, []);
    if (epoch !== deps.epoch) throw new EpochLost();
    const replica = new Replica(Number(seq));
    await loadSessions(deps, replica);
    const positions = { changes: lastChange ?? '0-0', activity: lastActivity ?? '0-0' };
    try {
      await replay(deps, replica, positions);
      return { replica, positions };
    } catch (error) {
      if (!(error instanceof StreamGap) || attempt >= LOAD_ATTEMPTS) throw error;
    }
  }
}

async function loadSessions({ commands, keys }: LoaderDeps, replica: Replica): Promise<void> {
  let cursor = '0';
  do {
    const [next, fields] = await commands.send<[string, string[]]>(['HSCAN', keys.sessions, cursor, 'COUNT', String(SNAPSHOT_CHUNK)]);
    cursor = next;
    const ids: string[] = [];
    const stored: string[] = [];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      ids.push(fields[i]!);
      stored.push(fields[i + 1]!);
    }
    if (ids.length === 0) continue;
    // A session's deadline lives beside it, in the ZSET claimExpired sweeps, and its profile is kept
    // once for all the sessions sharing it: read both for the chunk.
    const refs = [...new Set(stored.map(storedProfileRef))];
    const [deadlines, profileList] = await Promise.all([
      commands.send<(string | null)[]>(['ZMSCORE', keys.deadlines, ...ids]),
      commands.send<(string | null)[]>(['HMGET', keys.profiles, ...refs]),
    ]);
    const profiles = new Map(refs.map((ref, i) => [ref, profileList[i] ?? '']));
    for (let i = 0; i < ids.length; i++) {
      const session = decodeStored(stored[i]!, profiles.get(storedProfileRef(stored[i]!))!);
      // Missing when the session ended after HSCAN read it: its end is an entry after L.
      const expiresAt = deadlines[i];
      if (expiresAt != null) session.expiresAt = Number(expiresAt);
      replica.load(session);
    }
  } while (cursor !== '0');
}

/** Applies the streams after `positions` until their ends, moving `positions` along. */
async function replay(deps: LoaderDeps, replica: Replica, positions: StreamPositions): Promise<void> {
  for (;;) {
    const batch = await readStreams(deps.reader, deps.keys, positions);
    if (batch.changes.length === 0 && batch.activity.length === 0) return;
    handOver(batch, positions, (entry) => deps.replay(replica, entry));
  }
}
