// The cluster's LiveStore: Redis holds the live sessions and orders every change; each node keeps a
// full replica (a SessionIndex) fed only by Redis's streams, and answers every read from it.
//
// - Every mutation is one Lua script (scripts.ts) that checks the epoch, changes state, and appends one
//   stream entry, in one atomic step. Redis's seq counter numbers the changes, so seqs are the same
//   on every node. The mutation settles once this node's replica applied that entry and its changes
//   reached the listeners, and answers what the entry says (pending-mutations.ts).
// - Nodes never apply their own changes directly: all replicas apply the same entries in the same
//   order (stream-follower.ts), including the node that made them.
// - `update` and `end` are compare-and-set on the session's version (session-writer.ts): the node
//   sends the next state with the version it started from; when another node got there first, Redis
//   answers the session as it is now and the node runs `mutate` again on that.
// - Heartbeats move the replica's clock in place and are written in batches (activity-queue.ts). A
//   session's clock lives beside its JSON in Redis (a deadline ZSET, an activity HASH), so a heartbeat
//   never rewrites the session, and flushed heartbeats travel in a stream of their own, trimmed short:
//   they are most of the bytes and none of the changes.
// - Reads never wait for Redis. A Redis failure is never answered as "unknown session": unknown means
//   the replica does not hold it; a failed write throws RollcallError 'unavailable'.
// - When Redis loses its data (the epoch is gone or another), mutations fail with 'unavailable' and
//   never succeed silently. Recovering (rejoining a new epoch) is the next step: see loseEpoch().
import { randomUUID } from 'node:crypto';
import { isRollcallError, RollcallError } from '../../core/errors.ts';
import { sameView, type PresenceChange, type Session, type View } from '../../core/model.ts';
import { expiryReason } from '../../core/session-events.ts';
import type {
  ChangeListener,
  EndedSession,
  LiveNode,
  LiveStore,
  SessionEnd,
  SessionTally,
  Touch,
  TouchResult,
} from '../live-store.ts';
import type { SessionFilter, SessionQuery } from '../session-filter.ts';
import { SessionIdAllocator, type SessionIdBlockSource } from '../session-ids.ts';
import { ACTIVITY_CHUNK, ActivityQueue } from './activity-queue.ts';
import { EPOCH_LOST_MESSAGE, isEpochMismatch, RedisConnection, unavailable, type ErrorReporter } from './connection.ts';
import { KeyedQueue } from './keyed-queue.ts';
import { keyList, storeKeys, type StoreKeys } from './keys.ts';
import { PendingMutations } from './pending-mutations.ts';
import { Replica } from './replica.ts';
import { loadReplica, type LoadedReplica } from './replica-loader.ts';
import {
  ACTIVITY,
  ANNOUNCE,
  BEAT,
  CLAIM_SILENT_NODES,
  DEREGISTER_NODE,
  DUE_SESSIONS,
  ENSURE_EPOCH,
  LIST_NODES,
  OPEN,
  REGISTER_NODE,
  type LuaScript,
} from './scripts.ts';
import { encodeChange, encodeSession } from './session-codec.ts';
import { chunked, flag, SCRIPT_CHUNK, SessionWriter } from './session-writer.ts';
import { decodeEntry, type ChangeEntry, type RawEntry } from './stream-entries.ts';
import { EpochLost, StreamFollower, StreamGap, type StreamPositions } from './stream-follower.ts';

export interface RedisLiveStoreOptions {
  /** redis://…, rediss://… (TLS), or unix:///path/redis.sock. */
  url: string;
  /** This node's GUID. */
  nodeId: string;
  /** Where blocks of session ids come from (history's counter, shared by every node). */
  idSource: SessionIdBlockSource;
  /** Keys are `{<prefix>}:…` (one hash tag: scripts stay atomic on Redis Cluster). Default 'rollcall'. */
  keyPrefix?: string;
  /** Approximate MAXLEN of the change stream, in entries; default 100,000 (about 50 MB). */
  streamMaxLength?: number;
  /** How often this node writes queued heartbeats to Redis, ms; default 1,000. */
  activityFlushMs?: number;
  /** Background faults: the reader loop, flushes, connections, change listeners. Default: ignored. */
  onError?: (error: unknown, context: string) => void;
  /** The node's clock (epoch ms). Unused by this store so far: node liveness will time itself with it. */
  now?: () => number;
}

const DEFAULT_KEY_PREFIX = 'rollcall';
const DEFAULT_STREAM_MAX_LENGTH = 100_000;
const DEFAULT_ACTIVITY_FLUSH_MS = 1_000;

/** Sessions of a node looked at per step of endSocketsOf. */
const SOCKETS_PAGE = 1_000;

export class RedisLiveStore implements LiveStore {
  readonly outlivesProcess = true;
  private replica = new Replica(0);
  private readonly keys: StoreKeys;
  private readonly keyList: readonly string[];
  private readonly maxLength: string;
  private readonly listeners = new Set<ChangeListener>();
  private readonly resyncListeners = new Set<() => void>();
  private readonly ids: SessionIdAllocator;
  private readonly pending = new PendingMutations();
  private readonly activity = new ActivityQueue((batch) => this.writeActivity(batch));
  private readonly updates = new KeyedQueue<number>();
  private readonly writer = new SessionWriter({
    change: (script, args, firstSeqOf) => this.change(script, args, firstSeqOf),
    current: (id) => this.replica.index.get(id),
    queuedActivity: (id) => this.activity.queued(id),
  });
  private readonly onError: ErrorReporter;
  private follower: StreamFollower | undefined;
  private lost = false;
  private closing = false;

  private constructor(
    private readonly commands: RedisConnection,
    private readonly reader: RedisConnection,
    private readonly epoch: string,
    private readonly options: RedisLiveStoreOptions,
  ) {
    this.keys = storeKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
    this.keyList = keyList(this.keys);
    this.maxLength = String(options.streamMaxLength ?? DEFAULT_STREAM_MAX_LENGTH);
    this.onError = options.onError ?? (() => undefined);
    this.ids = new SessionIdAllocator(options.idSource, (id) => this.replica.index.has(id));
  }

  /** Connects, joins the cluster's epoch (creating it on a fresh Redis), loads the replica, and follows the stream. */
  static async open(options: RedisLiveStoreOptions): Promise<RedisLiveStore> {
    const report = options.onError ?? (() => undefined);
    const name = `rollcall:${options.nodeId}`;
    const commands = await RedisConnection.connect(options.url, `${name}:commands`, report);
    let reader: RedisConnection | undefined;
    try {
      reader = await RedisConnection.connect(options.url, `${name}:stream`, report);
      const keys = keyList(storeKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX));
      const epoch = await commands.run<string>(ENSURE_EPOCH, keys, [randomUUID()]);
      const store = new RedisLiveStore(commands, reader, epoch, options);
      await store.start();
      return store;
    } catch (error) {
      commands.destroy();
      reader?.destroy();
      throw isRollcallError(error) ? error : unavailable(error, 'cannot load the cluster\'s live state from Redis');
    }
  }

  private async start(): Promise<void> {
    const loaded = await this.load();
    this.replica = loaded.replica;
    this.follower = new StreamFollower(this.reader, this.keys, loaded.positions, {
      apply: (entry) => this.ingest(this.replica, entry, true),
      resync: () => this.resync(),
      verifyEpoch: async () => {
        if ((await this.reader.send<string | null>(['GET', this.keys.epoch])) !== this.epoch) throw new EpochLost();
      },
      epochLost: () => this.loseEpoch(),
      report: this.onError,
    });
    this.follower.start();
    this.activity.start(this.options.activityFlushMs ?? DEFAULT_ACTIVITY_FLUSH_MS, (error) => this.onError(error, 'flushing activity'));
  }

  // ——— sessions ———

  allocateSessionId(): Promise<number> {
    return this.ids.next();
  }

  async open(session: Session): Promise<{ session: Session; firstOfUser: boolean }> {
    const { entry } = await this.change<number | null>(
      OPEN,
      [
        String(session.id),
        session.user.id,
        session.nodeId,
        flag(session.detached),
        String(session.lastActivityAt),
        String(session.expiresAt),
        encodeSession(session),
      ],
      (seq) => seq ?? 0,
    );
    if (entry?.kind !== 'open') throw new Error(`session ${session.id} is already live`);
    return { session: entry.session, firstOfUser: entry.firstOfUser };
  }

  async get(id: number): Promise<Session | undefined> {
    return this.replica.index.get(id);
  }

  update(id: number, mutate: (session: Session) => Session | undefined, at: number): Promise<Session | undefined> {
    return this.updates.run(id, async () => (await this.writer.update([{ id, mutate }], at)).get(id)?.session);
  }

  async touch(touches: readonly Touch[], now: number): Promise<TouchResult> {
    const unknown: number[] = [];
    const touched: Session[] = [];
    // The idle flag and view each changing session should end with (later touches of an id win).
    const wanted = new Map<number, { idle: boolean; view: View | undefined }>();
    for (const touch of touches) {
      const session = this.replica.index.touchable(touch.id);
      if (!session) {
        unknown.push(touch.id);
        continue;
      }
      touched.push(session);
      const current = wanted.get(touch.id) ?? session;
      const idleChanged = touch.idle !== undefined && touch.idle !== current.idle;
      const viewChanged = touch.view !== undefined && !sameView(touch.view, current.view);
      if (idleChanged || viewChanged) {
        wanted.set(touch.id, { idle: touch.idle ?? current.idle, view: viewChanged ? touch.view : current.view });
      } else if (!wanted.has(touch.id)) {
        this.keepSessionAlive(session, now);
      }
    }
    if (wanted.size === 0) return { unknown, touched, changed: [] };

    // Changes of idle flag or view are announced: compare-and-set like update, all in one script.
    const plans = [...wanted].map(([id, { idle, view }]) => ({
      id,
      mutate: (current: Session): Session | undefined =>
        current.detached || (current.idle === idle && sameView(current.view, view))
          ? undefined
          : { ...current, idle, view, lastActivityAt: now, expiresAt: now + current.lifetimeMs },
    }));
    const results = await this.writer.update(plans, now);
    const changed: Session[] = [];
    const gone = new Set<number>();
    for (const [id, { session, changed: didChange }] of results) {
      if (!session) {
        gone.add(id);
        unknown.push(id);
      } else if (didChange) {
        changed.push(session);
        this.activity.supersede(id, now);
      } else {
        // Nothing left to change (another node made the same change first): a plain heartbeat.
        const live = this.replica.index.touchable(id);
        if (live) this.keepSessionAlive(live, now);
      }
    }
    const latest = (session: Session) => results.get(session.id)?.session ?? session;
    return { unknown, touched: touched.filter((s) => !gone.has(s.id)).map(latest), changed };
  }

  async keepAlive(ids: readonly number[], now: number): Promise<number[]> {
    const index = this.replica.index;
    const unknown: number[] = [];
    for (const id of ids) {
      const session = index.touchable(id);
      if (session) this.keepSessionAlive(session, now);
      else unknown.push(id);
    }
    return unknown;
  }

  async end(id: number, end: SessionEnd): Promise<EndedSession | undefined> {
    const session = this.replica.index.get(id);
    if (!session) return undefined;
    const [ended] = await this.writer.end([{ id, session, endOf: () => end }]);
    return ended;
  }

  /**
   * Flushes this node's queued heartbeats first, so none of them is claimed. What remains is a race
   * with other nodes: a heartbeat another node took in the last `activityFlushMs` and has not flushed
   * yet does not count, so a session whose deadline passed in Redis just as it heartbeat elsewhere
   * can be claimed (its client then resumes or opens again). The deadline is at least a session
   * lifetime after its previous heartbeat, so only a session already late can be caught by this.
   */
  async claimExpired(now: number, limit: number): Promise<EndedSession[]> {
    this.writable();
    await this.activity.flush();
    const due = await this.run<string[]>(DUE_SESSIONS, '', [String(now), String(limit)]);
    return this.writer.end(
      due.map((raw) => {
        const id = Number(raw);
        return { id, session: this.replica.index.get(id), endOf: (s: Session) => ({ reason: expiryReason(s), at: now }), dueBy: now };
      }),
    );
  }

  /**
   * The candidates come from the replica, a page at a time (every session of the node is there once
   * its open reached this node); each is ended only if Redis still has it as this node's attached
   * socket. One that resumed elsewhere meanwhile is passed over, and the next candidate taken, so a
   * result shorter than `limit` still means none is left.
   */
  async endSocketsOf(nodeId: string, end: SessionEnd, limit: number): Promise<EndedSession[]> {
    const isAttachedSocket = (session: Session) => session.nodeId === nodeId && session.transport === 'websocket' && !session.detached;
    const ended: EndedSession[] = [];
    let afterId: number | undefined;
    while (ended.length < limit) {
      const page = this.replica.index.list({ nodeId, limit: SOCKETS_PAGE, ...(afterId !== undefined && { afterId }) });
      const attached = page.filter(isAttachedSocket);
      const candidates = attached.slice(0, limit - ended.length);
      if (candidates.length > 0) {
        ended.push(...(await this.writer.end(candidates.map((session) => ({ id: session.id, session, endOf: () => end, keep: isAttachedSocket })))));
      }
      // The rest of this page's sockets come next when not all were taken.
      if (candidates.length < attached.length) afterId = candidates.at(-1)!.id;
      else if (page.length < SOCKETS_PAGE) break;
      else afterId = page.at(-1)!.id;
    }
    return ended;
  }

  async list(query?: SessionQuery): Promise<Session[]> {
    return this.replica.index.list(query);
  }

  async count(filter?: SessionFilter): Promise<number> {
    return this.replica.index.count(filter);
  }

  async tally(): Promise<SessionTally> {
    return this.replica.index.tally();
  }

  async onlineUserIds(): Promise<string[]> {
    return this.replica.index.onlineUserIds();
  }

  // ——— nodes ———

  async registerNode(node: LiveNode): Promise<void> {
    this.writable();
    await this.run(REGISTER_NODE, '', [node.id, JSON.stringify(node)]);
  }

  async listNodes(): Promise<LiveNode[]> {
    try {
      const nodes = await this.commands.run<string[]>(LIST_NODES, this.keyList, []);
      return nodes.map((json) => JSON.parse(json) as LiveNode);
    } catch (error) {
      throw unavailable(error);
    }
  }

  async beat(nodeId: string): Promise<boolean> {
    this.writable();
    return (await this.run<number>(BEAT, '', [nodeId])) === 1;
  }

  /**
   * By Redis's clock: nodes' clocks may disagree, Redis's is one. Not yet handled: after a failover the
   * new master's beats are as old as the failover took, and every node may look silent at once.
   */
  async claimSilentNodes(silenceMs: number): Promise<string[]> {
    this.writable();
    return this.run<string[]>(CLAIM_SILENT_NODES, '', [String(silenceMs)]);
  }

  async deregisterNode(nodeId: string): Promise<void> {
    this.writable();
    await this.run(DEREGISTER_NODE, '', [nodeId]);
  }

  // ——— change feed ———

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Listens for rebuilds of the replica from a fresh snapshot (the stream no longer held what this
   * node missed). Changes in between were not announced to this node's listeners: a consumer that
   * mirrors changes must reload (the change stream's `resync` event). Answers a function that stops.
   */
  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  appliedSeq(): number {
    return this.replica.appliedSeq;
  }

  /**
   * In chunks like ends (a start may announce thousands), one after another: pipelined, a chunk sent
   * again after NOSCRIPT could fall behind the next one.
   */
  async announce(changes: readonly PresenceChange[]): Promise<void> {
    for (const chunk of chunked(changes, SCRIPT_CHUNK)) await this.change<number>(ANNOUNCE, chunk.map(encodeChange), (seq) => seq);
  }

  /** Flushes queued heartbeats, stops the reader, and closes both connections. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.activity.stop();
    if (!this.lost) await this.activity.flush().catch((error: unknown) => this.onError(error, 'flushing activity at close'));
    await this.follower?.stop();
    this.pending.failAll(new RollcallError('unavailable', 'the live store closed'));
    await this.commands.close().catch(() => this.commands.destroy());
    this.listeners.clear();
    this.resyncListeners.clear();
  }

  // ——— internals ———

  private keepSessionAlive(session: Session, now: number): void {
    this.replica.index.extend(session, now);
    this.activity.record(session.id, now);
  }

  /**
   * Runs a mutation's script and, when it appended a change entry (`firstSeqOf` its reply is not 0),
   * waits until this node applied that entry: answers the reply and the entry.
   */
  private async change<R>(script: LuaScript, args: readonly string[], firstSeqOf: (reply: R) => number): Promise<{ reply: R; entry: ChangeEntry | undefined }> {
    this.writable();
    const mutation = this.pending.begin();
    let reply: R;
    try {
      reply = await this.run<R>(script, mutation.origin, args);
    } catch (error) {
      this.pending.abandon(mutation);
      throw error;
    }
    const firstSeq = firstSeqOf(reply);
    if (!firstSeq) {
      this.pending.abandon(mutation);
      return { reply, entry: undefined };
    }
    return { reply, entry: await this.pending.entryOf(mutation, firstSeq, this.replica.appliedSeq) };
  }

  /** Runs a guarded script; every Redis failure becomes RollcallError 'unavailable'. */
  private async run<T>(script: LuaScript, origin: string, args: readonly string[]): Promise<T> {
    try {
      return await this.commands.run<T>(script, this.keyList, [this.epoch, this.maxLength, origin, ...args]);
    } catch (error) {
      if (!isEpochMismatch(error)) throw unavailable(error);
      this.loseEpoch();
      throw unavailable(error, EPOCH_LOST_MESSAGE);
    }
  }

  private writable(): void {
    if (this.closing) throw new RollcallError('unavailable', 'the live store is closed');
    if (this.lost) throw unavailable(undefined, EPOCH_LOST_MESSAGE);
  }

  /** Writes a batch of queued heartbeats (activity-queue.ts); sessions no longer touchable are left out. */
  private async writeActivity(batch: ReadonlyMap<number, number>): Promise<void> {
    // After the epoch is lost nothing can be written; keeping the batch would only retry forever.
    if (this.lost) return;
    const chunks: string[][] = [];
    let chunk: string[] = [];
    for (const [id, lastActivityAt] of batch) {
      const session = this.replica.index.touchable(id);
      if (!session) continue;
      chunk.push(String(id), String(lastActivityAt), String(lastActivityAt + session.lifetimeMs));
      if (chunk.length === ACTIVITY_CHUNK * 3) {
        chunks.push(chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) chunks.push(chunk);
    await Promise.all(chunks.map((args) => this.run(ACTIVITY, this.options.nodeId, args)));
  }

  /**
   * Applies one stream entry to `replica`: every change entry must follow the replica's seq (else
   * StreamGap); `live` announces its changes to the listeners (not while a replica is being loaded).
   * The mutation of this process that made the entry, if any, settles.
   */
  private ingest(replica: Replica, raw: RawEntry, live: boolean): void {
    const entry = decodeEntry(raw);
    if (entry.kind === 'activity') {
      replica.applyActivity(entry, (id, lastActivityAt) => this.activity.hasNewer(id, lastActivityAt));
      return;
    }
    if (entry.firstSeq > replica.appliedSeq) {
      if (entry.firstSeq !== replica.appliedSeq + 1) throw new StreamGap(replica.appliedSeq, entry.firstSeq);
      replica.apply(entry);
      if (live) this.emit(entry);
    }
    this.pending.applied(entry);
  }

  private emit(entry: ChangeEntry): void {
    entry.changes.forEach((change, i) => {
      for (const listener of this.listeners) {
        try {
          listener(change, entry.firstSeq + i);
        } catch (error) {
          this.onError(error, 'a change listener');
        }
      }
    });
  }

  private load(): Promise<LoadedReplica> {
    return loadReplica({
      commands: this.commands,
      reader: this.reader,
      keys: this.keys,
      keyList: this.keyList,
      epoch: this.epoch,
      replay: (replica, entry) => this.ingest(replica, entry, false),
    });
  }

  /** Rebuilds the replica from a fresh snapshot; announces no session changes, tells the resync listeners. */
  private async resync(): Promise<StreamPositions> {
    const loaded = await this.load();
    this.replica = loaded.replica;
    this.pending.rebuiltAt(loaded.replica.appliedSeq);
    for (const listener of this.resyncListeners) {
      try {
        listener();
      } catch (error) {
        this.onError(error, 'a resync listener');
      }
    }
    return loaded.positions;
  }

  /**
   * Redis no longer holds this node's epoch: it lost its data, or another Redis took its place. From
   * now on every mutation fails with 'unavailable' (the scripts refuse as well), and reads answer the
   * replica as it was.
   *
   * SEAM (next step: recovery): join the epoch anew (ENSURE_EPOCH creates one when there is none),
   * re-assert this node's own sessions from the replica with their ids and without started/online
   * changes, reload the replica, tell the resync listeners once, and follow the stream again.
   */
  private loseEpoch(): void {
    if (this.lost) return;
    this.lost = true;
    const error = unavailable(undefined, EPOCH_LOST_MESSAGE);
    this.pending.failAll(error);
    this.onError(error, 'redis epoch');
  }
}
