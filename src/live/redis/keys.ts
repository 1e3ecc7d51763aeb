// The Redis keys of one cluster. Every key starts with `{<prefix>}:`: the braces make the prefix the
// key's hash tag, so on a Redis Cluster all of them live in one slot and a script may touch any of
// them atomically (the cluster is there for failover, not sharding: one shard holds millions of
// sessions).
//
// The scripts receive these keys as KEYS in the order of KEY_NAMES, and scripts.ts names them in Lua
// from the same list, so the two can never disagree.

export const KEY_NAMES = [
  /** STRING: a random id made when the cluster's state was created; it changes only when Redis lost it. */
  'epoch',
  /** STRING: the seq of the newest change (live-store.ts). */
  'seq',
  /** STREAM: every change, as entries `<first seq>-0` (stream-entries.ts). */
  'stream',
  /** STREAM: heartbeats as flushed (activity-queue.ts), kept briefly: they are many bytes and no change. */
  'activityStream',
  /**
   * HASH: session id → `<version>:<lastActivityAt>:<profile ref>:<session array>` (session-codec.ts).
   * A heartbeat rewrites the clock in the prefix only; a change rewrites the whole value.
   */
  'sessions',
  /** HASH: profile ref → profile (session-codec.ts): what many sessions share, kept once. */
  'profiles',
  /** HASH: profile ref → number of sessions naming it; a profile goes with its last session. */
  'profileRefs',
  /** ZSET: session id → expiresAt (epoch ms), the clock claimExpired sweeps. */
  'deadlines',
  /** SET: ids of sessions waiting for a resume; heartbeats do not extend them. */
  'detached',
  /** HASH: user id → number of live sessions; decides first and last session of a user. */
  'userSessions',
  /** HASH: user id → latest activity of the user's sessions already ended while still online. */
  'userSeen',
  /**
   * HASH: `<place> <user id>` → how many of the user's live sessions are in the place; decides the
   * user's place.join and place.leave (a place name holds no space, so the first one splits the field).
   */
  'placeUsers',
  /** HASH: node id → LiveNode JSON. */
  'nodes',
  /** ZSET: node id → registration number: listNodes' order of first registration. */
  'nodeOrder',
  /** STRING: the counter behind nodeOrder. */
  'nodeRegistrations',
  /** ZSET: node id → its last beat, in Redis TIME milliseconds. */
  'beats',
  /**
   * STRING: Redis TIME (ms) when the current epoch was made, kept while nodes may still re-assert
   * their sessions into it (recovery.ts); it expires when that window closes.
   */
  'reassertWindow',
  /** SET: ids of sessions ended while the re-assert window is open, so no late re-assert revives one. */
  'tombstones',
] as const;

export type KeyName = (typeof KEY_NAMES)[number];
export type StoreKeys = Record<KeyName, string>;

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

export function storeKeys(prefix: string): StoreKeys {
  const keys = {} as StoreKeys;
  for (const name of KEY_NAMES) keys[name] = `{${prefix}}:${kebab(name)}`;
  return keys;
}

/** The keys in KEY_NAMES order, as the scripts receive them. */
export const keyList = (keys: StoreKeys): string[] => KEY_NAMES.map((name) => keys[name]);
