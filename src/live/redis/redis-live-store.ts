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
// - Heartbeats move the replica's clock in place and are written in batches (activity-queue.ts). In
//   Redis a heartbeat moves only a session's clock (the deadline ZSET, the prefix of its stored form),
//   never its version, and flushed heartbeats travel in a stream of their own, trimmed short: they are
//   most of the bytes and none of the changes.
// - Reads never wait for Redis. A Redis failure is never answered as "unknown session": unknown means
//   the replica does not hold it; a failed write throws RollcallError 'unavailable'.
// - When Redis loses the cluster's state (the epoch is gone or another, or the seq fell below what this
//   node saw), the node recovers (recovery.ts): it joins a new epoch, puts back every session it holds
//   with the same ids, reloads once the others did too, and reports one resync. Mutations wait for
//   that (bounded), and never succeed silently into an epoch the node has not joined.
// - Node liveness (claimSilentNodes) waits until this node's own connection has been steady for the
//   silence limit (steadiness.ts): after a Redis restart or failover, nobody's beat is taken as death.
// - The connections go to one server (url) or follow the master Sentinel names (sentinel-link.ts).
import { inChunks } from '../../core/chunks.ts';
import { isRollcallError, RollcallError } from '../../core/errors.ts';
import type { PresenceChange, Session } from '../../core/model.ts';
import { expiryReason } from '../../core/session-events.ts';
import type {
  ChangeListener,
  EndedSession,
  LiveNode,
  LiveStore,
  PlaceQuery,
  PlaceTally,
  SequencedChange,
  SessionEnd,
  SessionTally,
  Touch,
  TouchResult,
} from '../live-store.ts';
import type { SessionFilter, SessionQuery } from '../session-filter.ts';
import { ListenerSet } from '../listener-set.ts';
import { SessionIdAllocator } from '../session-ids.ts';
import { ACTIVITY_CHUNK, ActivityQueue } from './activity-queue.ts';
import { EPOCH_LOST_MESSAGE, RedisConnection, stateLossOf, unavailable, type ErrorReporter, type StateLoss } from './connection.ts';
import { KeyedQueue } from './keyed-queue.ts';
import { keyList, storeKeys, type StoreKeys } from './keys.ts';
import { PendingMutations } from './pending-mutations.ts';
import { reassertSessions } from './reassert.ts';
import { Recovery, type Joined } from './recovery.ts';
import { Replica } from './replica.ts';
import { loadReplica, type LoadedReplica } from './replica-loader.ts';
import { RedisNodeRegistry } from './node-registry.ts';
import { ACTIVITY, ANNOUNCE, DUE_SESSIONS, JOIN_EPOCH, OPEN, REGISTER_NODE, type LuaScript } from './scripts.ts';
import { encodeChange, placesArg, sessionArgs } from './session-codec.ts';
import { flag, SCRIPT_CHUNK, SessionWriter } from './session-writer.ts';
import { Steadiness } from './steadiness.ts';
import {
  DEFAULT_ACTIVITY_FLUSH_MS,
  DEFAULT_KEY_PREFIX,
  DEFAULT_RECOVERY_GRACE_MS,
  DEFAULT_STREAM_MAX_LENGTH,
  joinArgs,
  REJOIN_WAIT_BEYOND_GRACE_MS,
  targetOf,
  type JoinReply,
  type RedisLiveStoreOptions,
} from './store-options.ts';

export type { RedisLiveStoreOptions };
import { decodeEntry, type ChangeEntry, type RawEntry } from './stream-entries.ts';
import { readChangesSince } from './stream-replay.ts';
import { touchSessions } from './touches.ts';
import { EpochLost, StreamFollower, StreamGap, type StreamPositions } from './stream-follower.ts';

/** Sessions of a node looked at per step of endSocketsOf. */
const SOCKETS_PAGE = 1_000;

export class RedisLiveStore implements LiveStore {
  readonly outlivesProcess = true;
  private replica = new Replica(0);
  /** The highest seq a script of this node was answered with in the current epoch (see floor()). */
  private repliedSeq = 0;
  private readonly keys: StoreKeys;
  private readonly keyList: readonly string[];
  private readonly maxLength: string;
  private readonly listeners: ListenerSet<Parameters<ChangeListener>>;
  private readonly resyncListeners: ListenerSet<[]>;
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
  private readonly recovery: Recovery;
  private readonly graceMs: number;
  private follower: StreamFollower | undefined;
  private readonly nodes: RedisNodeRegistry;
  private closing = false;

  private constructor(
    private readonly commands: RedisConnection,
    private readonly reader: RedisConnection,
    /** The epoch the replica belongs to; another once a recovery reloaded. */
    private epoch: string,
    private readonly steadiness: Steadiness,
    private readonly options: RedisLiveStoreOptions,
  ) {
    this.keys = storeKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX);
    this.keyList = keyList(this.keys);
    this.maxLength = String(options.streamMaxLength ?? DEFAULT_STREAM_MAX_LENGTH);
    this.onError = options.onError ?? (() => undefined);
    this.listeners = new ListenerSet((error) => this.onError(error, 'a change listener'));
    this.resyncListeners = new ListenerSet((error) => this.onError(error, 'a resync listener'));
    this.graceMs = options.recoveryGraceMs ?? DEFAULT_RECOVERY_GRACE_MS;
    this.ids = new SessionIdAllocator(options.idSource, (id) => this.replica.index.has(id));
    this.nodes = new RedisNodeRegistry({
      commands,
      keyList: this.keyList,
      nodeId: options.nodeId,
      run: async (script, args) => {
        await this.writable();
        return this.run(script, '', args);
      },
      mayClaim: (silenceMs) => !this.recovery.active && this.steadiness.steadyFor(silenceMs),
      onError: this.onError,
    });
    this.recovery = new Recovery({
      join: (loss) => this.join(loss),
      reassert: (epoch) => this.reassert(epoch),
      reload: (epoch) => this.reload(epoch),
      report: this.onError,
    });
  }

  /** Connects, joins the cluster's epoch (creating it on a fresh Redis), loads the replica, and follows the stream. */
  static async open(options: RedisLiveStoreOptions): Promise<RedisLiveStore> {
    const report = options.onError ?? (() => undefined);
    const steadiness = new Steadiness(options.now ?? (() => performance.now()));
    const events = { report, interrupted: () => steadiness.broke() };
    const target = targetOf(options);
    const name = `rollcall:${options.nodeId}`;
    const commands = await RedisConnection.connect(target, `${name}:commands`, events);
    let reader: RedisConnection | undefined;
    try {
      reader = await RedisConnection.connect(target, `${name}:stream`, events);
      const keys = keyList(storeKeys(options.keyPrefix ?? DEFAULT_KEY_PREFIX));
      const [epoch] = await commands.run<JoinReply>(JOIN_EPOCH, keys, joinArgs('', '0', false, options));
      const store = new RedisLiveStore(commands, reader, epoch, steadiness, options);
      await store.start();
      return store;
    } catch (error) {
      commands.destroy();
      reader?.destroy();
      throw isRollcallError(error) ? error : unavailable(error, "cannot load the cluster's live state from Redis");
    }
  }

  private async start(): Promise<void> {
    await this.nodes.refresh();
    const loaded = await this.load(this.epoch);
    this.replica = loaded.replica;
    this.follow(loaded.positions);
    this.activity.start(this.options.activityFlushMs ?? DEFAULT_ACTIVITY_FLUSH_MS, (error) => this.onError(error, 'flushing activity'));
  }

  /** Starts a reader loop for the current epoch from `positions`. */
  private follow(positions: StreamPositions): void {
    this.follower = new StreamFollower(this.reader, this.keys, positions, {
      apply: (entry) => this.ingest(this.replica, entry, true),
      resync: () => this.resync(),
      verify: () => this.verify(),
      epochLost: (loss) => this.loseState(loss),
      report: this.onError,
    });
    this.follower.start();
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
        flag(session.detached),
        String(session.lastActivityAt),
        String(session.expiresAt),
        ...sessionArgs(session),
        placesArg(session),
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

  touch(touches: readonly Touch[], now: number): Promise<TouchResult> {
    return touchSessions(touches, now, {
      touchable: (id) => this.replica.index.touchable(id),
      keepAlive: (session) => this.keepSessionAlive(session, now),
      update: (plans) => this.writer.update(plans, now),
      changed: (id) => this.activity.supersede(id, now),
    });
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
    // While recovering, deadlines in Redis are not settled yet (other nodes' clocks are still coming
    // back): nothing is claimed until this node has rejoined; the next sweep catches up.
    if (this.recovery.active) return [];
    await this.writable();
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
        ended.push(
          ...(await this.writer.end(candidates.map((session) => ({ id: session.id, session, endOf: () => end, keep: isAttachedSocket })))),
        );
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

  async places(query: PlaceQuery): Promise<PlaceTally[]> {
    return this.replica.index.places(query);
  }

  // ——— nodes (node-registry.ts) ———

  registerNode(node: LiveNode): Promise<void> {
    return this.nodes.register(node);
  }

  async listNodes(): Promise<LiveNode[]> {
    return this.nodes.list();
  }

  beat(nodeId: string): Promise<boolean> {
    return this.nodes.beat(nodeId);
  }

  /**
   * Claims nothing until this node's own connection has been steady for `silenceMs` (steadiness.ts):
   * after a Redis restart or a failover every beat is as old as the outage, and the other nodes need
   * that long to beat again.
   */
  claimSilentNodes(silenceMs: number): Promise<string[]> {
    return this.nodes.claimSilent(silenceMs);
  }

  deregisterNode(nodeId: string): Promise<void> {
    return this.nodes.deregister(nodeId);
  }

  // ——— change feed ———

  subscribe(listener: ChangeListener): () => void {
    return this.listeners.add(listener);
  }

  /**
   * Listens for rebuilds of the replica from a fresh snapshot (the stream no longer held what this
   * node missed). Changes in between were not announced to this node's listeners: a consumer that
   * mirrors changes must reload (the change stream's `resync` event). Answers a function that stops.
   */
  onResync(listener: () => void): () => void {
    return this.resyncListeners.add(listener);
  }

  appliedSeq(): number {
    return this.replica.appliedSeq;
  }

  async changesSince(afterSeq: number, limit: number): Promise<SequencedChange[] | undefined> {
    return readChangesSince(this.commands, this.keys, afterSeq, limit);
  }

  /**
   * In chunks like ends (a start may announce thousands), one after another: pipelined, a chunk sent
   * again after NOSCRIPT could fall behind the next one.
   */
  async announce(changes: readonly PresenceChange[]): Promise<void> {
    for (const chunk of inChunks(changes, SCRIPT_CHUNK)) await this.change<number>(ANNOUNCE, chunk.map(encodeChange), (seq) => seq);
  }

  /** Flushes queued heartbeats, stops the reader (and a recovery), and closes both connections. */
  async close(): Promise<void> {
    if (this.closing) return;
    const recovering = this.recovery.active;
    this.closing = true;
    this.activity.stop();
    if (!recovering) await this.activity.flush().catch((error: unknown) => this.onError(error, 'flushing activity at close'));
    // The reader first: a recovery under way then fails at once instead of waiting for Redis.
    const stopped = this.follower?.stop();
    this.reader.destroy();
    await this.recovery.stop();
    await stopped;
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
  private async change<R>(
    script: LuaScript,
    args: readonly string[],
    firstSeqOf: (reply: R) => number,
  ): Promise<{ reply: R; entry: ChangeEntry | undefined }> {
    await this.writable();
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
    this.repliedSeq = Math.max(this.repliedSeq, firstSeq);
    return { reply, entry: await this.pending.entryOf(mutation, firstSeq, this.replica.appliedSeq) };
  }

  /**
   * The highest seq this node knows the current epoch reached: what its replica applied, or a script
   * answered. Redis below it lost writes this node saw (scripts refuse then, and the reader checks).
   */
  private floor(): number {
    return Math.max(this.replica.appliedSeq, this.repliedSeq);
  }

  /** Runs a guarded script; every Redis failure becomes RollcallError 'unavailable'. */
  private async run<T>(script: LuaScript, origin: string, args: readonly string[]): Promise<T> {
    try {
      const reply = await this.commands.run<T>(script, this.keyList, [this.epoch, String(this.floor()), this.maxLength, origin, ...args]);
      this.steadiness.worked();
      return reply;
    } catch (error) {
      this.steadiness.broke();
      const loss = stateLossOf(error);
      if (loss === undefined) throw unavailable(error);
      this.loseState(loss);
      throw unavailable(error, EPOCH_LOST_MESSAGE);
    }
  }

  /**
   * Throws when the store is closed; during a recovery, waits until this node rejoined (then the
   * mutation goes into the joined epoch), or fails 'unavailable' when that takes too long.
   */
  private async writable(): Promise<void> {
    if (this.closing) throw new RollcallError('unavailable', 'the live store is closed');
    if (this.recovery.active) await this.recovery.rejoined(this.graceMs + REJOIN_WAIT_BEYOND_GRACE_MS);
  }

  /** Writes a batch of queued heartbeats (activity-queue.ts); sessions no longer touchable are left out. */
  private async writeActivity(batch: ReadonlyMap<number, number>): Promise<void> {
    // During a recovery the batch waits (it is kept for the next flush, into the joined epoch).
    await this.writable();
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
    if (entry.kind === 'reassert') {
      replica.reassert(entry, (id, lastActivityAt) => this.activity.hasNewer(id, lastActivityAt));
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
    entry.changes.forEach((change, i) => this.listeners.call(change, entry.firstSeq + i));
  }

  private load(epoch: string): Promise<LoadedReplica> {
    return loadReplica({
      commands: this.commands,
      reader: this.reader,
      keys: this.keys,
      keyList: this.keyList,
      epoch,
      replay: (replica, entry) => this.ingest(replica, entry, false),
    });
  }

  /** Rebuilds the replica from a fresh snapshot; announces no session changes, tells the resync listeners. */
  private async resync(): Promise<StreamPositions> {
    const loaded = await this.load(this.epoch);
    // A recovery began while this loaded: the replica it holds is what it re-asserts; leave it be.
    if (this.recovery.active) throw new EpochLost();
    this.replica = loaded.replica;
    this.pending.rebuiltAt(loaded.replica.appliedSeq);
    this.resyncListeners.call();
    return loaded.positions;
  }

  /** The reader's check after an error or an idle wait: is Redis's state still the one this node follows? */
  private async verify(): Promise<void> {
    // The floor as the MGET leaves: Redis had reached it then. A script answered on the other
    // connection while the MGET is under way may raise the floor past the seq the MGET read, and
    // that is no loss.
    const floor = this.floor();
    const [epoch, seq] = await this.reader.send<[string | null, string | null]>(['MGET', this.keys.epoch, this.keys.seq]);
    if (epoch !== this.epoch) throw new EpochLost('lost');
    if (Number(seq ?? 0) < floor) throw new EpochLost('behind');
  }

  // ——— recovery (recovery.ts) ———

  /**
   * Redis lost the cluster's state (`lost`: the epoch is gone or another; `behind`: the seq is below
   * what this node saw). Mutations under way fail 'unavailable' (their entries will not come), the
   * reader stops applying, and the recovery starts; reads go on answering the replica as it is.
   */
  private loseState(loss: StateLoss): void {
    if (this.closing) return;
    this.steadiness.broke();
    if (this.recovery.active) {
      this.recovery.begin(loss);
      return;
    }
    const error = unavailable(undefined, EPOCH_LOST_MESSAGE);
    this.pending.failAll(error);
    this.follower?.halt();
    this.onError(
      new Error(
        loss === 'lost'
          ? "Redis lost the cluster's live state (its epoch is gone or another); recovering"
          : 'Redis lost changes this node had applied (its seq went back); recovering',
      ),
      'redis epoch',
    );
    this.recovery.begin(loss);
  }

  /** Recovery step 1: joins (or makes) the epoch; answers it and how long the others get to re-assert. */
  private async join(loss: StateLoss): Promise<Joined> {
    const args = joinArgs(this.epoch, String(this.floor()), loss === 'behind', this.options);
    const [epoch, windowStart, now] = await this.commands.run<JoinReply>(JOIN_EPOCH, this.keyList, args);
    const settleInMs = windowStart === null ? 0 : Math.max(0, Number(windowStart) + this.graceMs - Number(now));
    return { epoch, settleInMs };
  }

  /** Recovery step 2: registers this node again and puts back every session the replica holds. */
  private async reassert(epoch: string): Promise<void> {
    const run = <T>(script: LuaScript, args: readonly string[]) =>
      this.commands.run<T>(script, this.keyList, [epoch, '0', this.maxLength, `reassert:${this.options.nodeId}`, ...args]);
    const registration = this.nodes.ownRegistration;
    if (registration) await run(REGISTER_NODE, [registration.id, JSON.stringify(registration)]);
    // Its own sessions first: the nodes re-assert at the same moment, and as each starts with a part
    // no other node starts with, the rest is mostly there already when they get to it (only clocks).
    const all = this.replica.index.list();
    const own = all.filter((session) => session.nodeId === this.options.nodeId);
    await reassertSessions([...own, ...all.filter((session) => session.nodeId !== this.options.nodeId)], { run });
  }

  /** Recovery step 4: the joined epoch's replica, its stream followed, and one resync. */
  private async reload(epoch: string): Promise<void> {
    await this.follower?.finished();
    const loaded = await this.load(epoch);
    if (this.closing) return;
    this.epoch = epoch;
    this.repliedSeq = 0;
    this.replica = loaded.replica;
    this.follow(loaded.positions);
    this.steadiness.worked();
    this.resyncListeners.call();
  }
}
