// PresenceService: the rules of presence. It opens, refreshes, resumes and ends sessions, decides who
// may do what, expires what went quiet, keeps history informed in batches, and announces every change.
// It knows nothing of HTTP or WebSocket: transports call it with validated bodies and an Actor.
import type { PresenceHistory, SessionLog, SessionLogEntry, SessionLogPosition, SettingsStore } from '../history/history-store.ts';
import type {
  ChangeListener,
  EndedSession,
  LiveNode,
  LiveStore,
  PlaceQuery,
  PlaceTally,
  SequencedChange,
  SessionFilter,
  SessionQuery,
  SessionTally,
  Touch,
  TouchResult,
} from '../live/live-store.ts';
import type { Actor, ConnectionFacts } from './actor.ts';
import { RollcallError } from './errors.ts';
import { HistoryWriter } from './history-writer.ts';
import { lostSession } from './lost-sessions.ts';
import { OnlineUsers } from './online-users.ts';
import { appendConnection, appendEvent, sessionEvent } from './session-events.ts';
import type { HeartbeatBody, HeartbeatBatchBody, HelloSessionBody, UpdateSessionBody } from './input-schemas.ts';
import type { EndReason, NodeConnection, PresenceChange, Session, Transport, UserPresence, UserRecord } from './model.ts';
import { isResumeSecret, newResumeToken } from './resume-tokens.ts';
import { isPlaceName } from './places.ts';
import { endEntry, sessionHistoryPage, startEntry, type SessionHistoryPage } from './session-history.ts';
import { applyUpdate, mergeRepresentative, placesAfter, sessionFactsFromOpen, unchanged, type PlaceChange } from './session-input.ts';
import { lastViewed, userFacts } from './user-facts.ts';
import { yieldToEventLoop } from './yield-to-event-loop.ts';

export interface PresenceOptions {
  /** This node's GUID (the dialects' appliance id). */
  nodeId: string;
  nodeRole: 'master' | 'traffic';
  /** An HTTP session ends this long after its last heartbeat. */
  sessionTtlMs: number;
  /** WebSocket ping interval; a socket session ends after two missed pings. */
  wsHeartbeatMs: number;
  /** How long a WebSocket session whose socket closed waits for a resume. */
  wsResumeGraceMs: number;
  /** Users seen within this window with no live session are "offline users". */
  offlineWindowMs: number;
  sweepIntervalMs: number;
  /**
   * Milliseconds of ending sessions after which a sweep yields to the event loop (default
   * SWEEP_SLICE_MS); 0 yields after every batch (tests).
   */
  sweepSliceMs?: number;
  historyFlushMs: number;
  now?: () => number;
  /** Faults that have no caller to report to (background sweeps, history writes). */
  onError: (error: unknown, context: string) => void;
}

export interface OpenedSession {
  session: Session;
  /** `<id>.<secret>`: lets a WebSocket client take its session back after a dropped socket. */
  resumeToken: string;
}

export type UserStatus = 'online' | 'offline' | 'all';

/** What a health probe found; `problem` is fit to show to callers (no internals). */
export type Health = { ok: true } | { ok: false; problem: string };

/**
 * Expired sessions claimed per store call; a sweep repeats until the store has no more. Ending one
 * costs the memory store about 5 µs with its change notices and history records, so a batch holds the
 * event loop a few milliseconds, and a sweep gives the loop back between batches (SWEEP_SLICE_MS).
 */
const SWEEP_BATCH = 500;

/**
 * Milliseconds of ending sessions after which a sweep yields to the event loop. A network cut that
 * ends a million sessions at once then takes a few seconds in slices, while ingest, queries and the
 * change stream keep answering between them; a session touched meanwhile is no longer due and stays.
 * 5 ms (with batches of 500), not 10 ms of 1,000: the slice is checked after a batch, so it overshoots
 * by up to a batch, and a garbage collection or a history chunk in the same turn adds to it; the
 * registry's mass end of 1,000,000 then held the loop 35 ms at most instead of 43–112 ms (BENCHMARKS.md).
 */
const SWEEP_SLICE_MS = 5;

/**
 * Sessions read per page when a checkpoint collects plain activity, yielding between pages: a node
 * with a million sessions would otherwise read them all in one turn of the loop every minute.
 */
const ACTIVITY_PAGE = 2_000;

/** The history roles the core reads: users and the session log, and a setting as its health probe. */
export type PresenceServiceHistory = PresenceHistory & SessionLog & Pick<SettingsStore, 'getSetting'>;

export class PresenceService {
  /**
   * Signs of life this node accepted since it started, by transport: HTTP heartbeats and batch
   * entries, WebSocket frames and pongs (one per session per ping interval). Plain counters that
   * metrics read when scraped, so the hot path pays one increment and no call.
   */
  readonly heartbeatsAccepted: Record<Transport, number> = { http: 0, websocket: 0 };
  private readonly writer: HistoryWriter;
  private readonly now: () => number;
  private sweepTimer: NodeJS.Timeout | undefined;
  private seenCache: { since: number; readAt: number; batches: number; records: UserRecord[] } | undefined;
  private sweeping: Promise<void> | undefined;
  /** "Who is online", kept between calls while only heartbeats happened (online-users.ts). */
  private readonly online: OnlineUsers;
  /** Activity up to this time (epoch ms) has been handed to the history writer. */
  private activityCollectedAt: number;
  /** This node as it registered, to register again after the cluster took it for lost. */
  private registration: LiveNode | undefined;

  constructor(
    private readonly live: LiveStore,
    private readonly history: PresenceServiceHistory,
    private readonly options: PresenceOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.activityCollectedAt = this.now();
    this.online = new OnlineUsers({ appliedSeq: () => live.appliedSeq(), list: () => live.list() });
    live.onResync(() => this.online.forget());
    this.writer = new HistoryWriter(history, {
      flushMs: options.historyFlushMs,
      onError: (error) => options.onError(error, 'history write'),
      collectActivity: () => this.collectActivity(),
    });
  }

  get nodeId(): string {
    return this.options.nodeId;
  }

  /** A socket session lives this long after its last sign of life: two pings plus half an interval. */
  get socketLivenessMs(): number {
    return Math.round(this.options.wsHeartbeatMs * 2.5);
  }

  start(): void {
    this.writer.start();
    this.sweepTimer ??= setInterval(() => void this.sweep(), this.options.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  /**
   * Stops background work and writes pending history. Sessions in a store that dies with this process
   * are ended first, so history shows when they stopped; a shared store keeps them for other nodes.
   */
  async stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    await this.sweeping;
    if (!this.live.outlivesProcess) {
      for (const session of await this.live.list()) await this.endAndRecord(session.id, 'server_shutdown');
    } else {
      // The cluster keeps the sessions: socket clients were told to reconnect, and resume on any node
      // within the grace period. The node leaves on purpose, so nobody takes it for lost.
      for (const session of await this.live.list({ nodeId: this.options.nodeId })) {
        if (session.transport === 'websocket') await this.detach(session.id);
      }
      await this.live.deregisterNode(this.options.nodeId);
    }
    await this.writer.stop();
  }

  /** Every change of every node, in sequence order, with its seq (the change stream's event id). */
  subscribe(listener: ChangeListener): () => void {
    return this.live.subscribe(listener);
  }

  /** Changes after `afterSeq` that the live store still keeps (live-store.ts). */
  changesSince(afterSeq: number, limit: number): Promise<SequencedChange[] | undefined> {
    return this.live.changesSince(afterSeq, limit);
  }

  /** Calls `listener` when this node had to reload its view without hearing what changed (live-store.ts). */
  onResync(listener: () => void): () => void {
    return this.live.onResync(listener);
  }

  /** The seq of the newest change this node applied: the version of what its queries answer. */
  appliedSeq(): number {
    return this.live.appliedSeq();
  }

  // ---- ingest ----------------------------------------------------------------------------------

  async open(body: HelloSessionBody, actor: Actor, connection: ConnectionFacts): Promise<OpenedSession> {
    const facts = sessionFactsFromOpen(body, actor);
    const id = await this.live.allocateSessionId();
    const now = this.now();
    const { token, hash } = newResumeToken(id);
    const lifetimeMs = this.lifetimeMs(connection.transport);
    // One literal with every field, in one order: all sessions share one compact layout (model.ts).
    const session: Session = {
      id,
      user: facts.user,
      clientType: facts.clientType,
      transport: connection.transport,
      hostname: facts.hostname,
      platform: facts.platform,
      timezoneOffset: facts.timezoneOffset,
      userAgent: facts.userAgent,
      clientHints: facts.clientHints,
      agent: facts.agent,
      privateIp: facts.privateIp,
      remoteAddress: connection.remoteAddress,
      idle: facts.idle,
      view: facts.view,
      places: facts.places,
      representative: facts.representative,
      customer: facts.customer,
      startedAt: now,
      lastActivityAt: now,
      expiresAt: now + lifetimeMs,
      lifetimeMs,
      nodeId: this.options.nodeId,
      nodeRole: this.options.nodeRole,
      connections: undefined,
      events: undefined,
      resumeSecretHash: hash,
      detached: false,
      version: 0,
    };
    const { session: stored } = await this.live.open(session);
    this.writer.seen(session.user, now, session.view);
    this.writer.log({ op: 'start', entry: startEntry(session) });
    return { session: stored, resumeToken: token };
  }

  /** One session's heartbeat. Answers `not_found` when it is not live, so the client opens a new one. */
  async heartbeat(id: number, body: HeartbeatBody, actor: Actor): Promise<void> {
    // The ingest key may touch any session, so its hot path skips the lookup a client token needs.
    if (actor.kind !== 'ingest' || body.representative) {
      const session = await this.sessionFor(id, actor);
      if (body.representative && session.clientType !== 'representative') {
        throw new RollcallError('invalid_body', 'representative: only allowed on a representative session');
      }
    }
    if (body.representative) {
      const patch = body.representative;
      const updated = await this.live.update(
        id,
        (s) => ({ ...s, representative: mergeRepresentative(s.representative, patch) }),
        this.now(),
      );
      if (!updated) throw sessionNotFound(id);
    }
    const result = await this.touch([{ id, idle: body.idle, view: body.view }]);
    if (result.unknown.length > 0) throw sessionNotFound(id);
  }

  /** Activity for many sessions at once (server to server). */
  async heartbeats(body: HeartbeatBatchBody, actor: Actor): Promise<{ accepted: number; unknown: number[] }> {
    if (actor.kind !== 'ingest') throw new RollcallError('forbidden', 'batch heartbeats need the ingest key');
    const { unknown } = await this.touch(body.heartbeats);
    return { accepted: body.heartbeats.length - unknown.length, unknown };
  }

  /**
   * WebSocket frames or ping answers showed these sessions alive. Answers ids that are not live. The
   * hottest path there is (every plain heartbeat frame, batched per event-loop turn): nothing is built
   * per session but the unknown ids.
   */
  async keepAlive(ids: readonly number[]): Promise<number[]> {
    const unknown = await this.live.keepAlive(ids, this.now());
    // Only sockets call this, and a socket's session always has the websocket transport.
    this.heartbeatsAccepted.websocket += ids.length - unknown.length;
    return unknown;
  }

  async update(id: number, body: UpdateSessionBody, actor: Actor): Promise<Session> {
    const updated = await this.change(id, actor, (s) => applyUpdate(s, body, actor));
    this.writer.seen(updated.user, this.now(), body.view);
    return updated;
  }

  /** Joins or leaves one place (the join and leave frames); the session's other places stay. */
  async changePlace(id: number, change: PlaceChange, actor: Actor): Promise<Session> {
    const place = 'join' in change ? change.join : change.leave;
    if (!isPlaceName(place)) throw new RollcallError('invalid_body', `place: ${JSON.stringify(place)} is not a place name`);
    return this.change(id, actor, (s) => {
      const places = placesAfter(s, change, actor);
      return places === unchanged ? undefined : { ...s, places };
    });
  }

  /**
   * Applies a change the client made to its session (`apply` answers undefined for none): a sign of
   * life like a heartbeat, though a detached socket session keeps its grace deadline.
   */
  private async change(id: number, actor: Actor, apply: (session: Session) => Session | undefined): Promise<Session> {
    await this.sessionFor(id, actor);
    const now = this.now();
    const updated = await this.live.update(
      id,
      (s) => {
        const next = apply(s);
        return next && { ...next, lastActivityAt: now, ...(!s.detached && { expiresAt: now + s.lifetimeMs }) };
      },
      now,
    );
    if (!updated) throw sessionNotFound(id);
    return updated;
  }

  /** Ends a session at once: the client said goodbye, or an admin ended it. */
  async end(id: number, actor: Actor): Promise<Session> {
    const session = await this.sessionFor(id, actor);
    const byAdmin = actor.kind === 'account';
    if (byAdmin && actor.role !== 'admin') throw new RollcallError('forbidden', 'ending a session needs an admin account');
    const ended = await this.endAndRecord(session.id, byAdmin ? 'ended_by_admin' : 'closed', byAdmin ? actor.username : undefined);
    if (!ended) throw sessionNotFound(id);
    return ended.session;
  }

  /**
   * An admin ends every live session of a user, each as `end` would (reason `ended_by_admin`, the
   * admin as `endedBy`). Answers how many this call ended: 0 for a remembered user with none.
   */
  async endUserSessions(userId: string, actor: Actor): Promise<number> {
    if (actor.kind !== 'account' || actor.role !== 'admin') throw new RollcallError('forbidden', 'ending sessions needs an admin account');
    const sessions = await this.live.list({ userId });
    if (sessions.length === 0 && !(await this.remembered(userId))) throw userNotFound(userId);
    let ended = 0;
    for (const session of sessions) {
      // Undefined: it ended meanwhile (expired, closed by its client), which this call did not do.
      if (await this.endAndRecord(session.id, 'ended_by_admin', actor.username)) ended++;
    }
    return ended;
  }

  /** A socket missed two pings: its session ends now, unless it was resumed elsewhere meanwhile. */
  async timeOut(id: number): Promise<void> {
    if (!this.holdsSocketOf(await this.live.get(id))) return;
    await this.endAndRecord(id, 'ping_timeout');
  }

  /** A WebSocket session lost its socket: it waits `wsResumeGraceMs` for a resume, then ends. */
  async detach(id: number): Promise<void> {
    const now = this.now();
    if (this.options.wsResumeGraceMs === 0) {
      if (this.holdsSocketOf(await this.live.get(id))) await this.endAndRecord(id, 'connection_lost');
      return;
    }
    await this.live.update(
      id,
      (s) => {
        // A session resumed on another node meanwhile is not this socket's to detach.
        if (!this.holdsSocketOf(s)) return undefined;
        const text = `Disconnected from node ${this.options.nodeId}: connection lost`;
        return {
          ...s,
          detached: true,
          expiresAt: now + this.options.wsResumeGraceMs,
          events: appendEvent(s, sessionEvent(now, 'disconnected', text)),
        };
      },
      now,
    );
  }

  /** Takes a session back on a new socket: same id, a "resumed" event, no leave or join. */
  async resume(resumeToken: string, connection: ConnectionFacts): Promise<OpenedSession> {
    const [idText, secret] = resumeToken.split('.', 2);
    const id = Number(idText);
    const unknown = () => new RollcallError('not_found', 'no live session for this resume token; open a new one');
    if (!Number.isInteger(id) || id < 1 || !secret) throw unknown();
    const current = await this.live.get(id);
    if (!current || !isResumeSecret(current.resumeSecretHash, secret)) throw unknown();
    const now = this.now();
    const next = newResumeToken(id);
    const updated = await this.live.update(
      id,
      (s) => {
        if (s.resumeSecretHash !== current.resumeSecretHash) return undefined; // resumed elsewhere meanwhile
        return {
          ...s,
          transport: 'websocket',
          detached: false,
          remoteAddress: connection.remoteAddress,
          nodeId: this.options.nodeId,
          nodeRole: this.options.nodeRole,
          lastActivityAt: now,
          expiresAt: now + this.socketLivenessMs,
          lifetimeMs: this.socketLivenessMs,
          resumeSecretHash: next.hash,
          connections: appendConnection(s, this.connectionHere(now, s.privateIp)),
          events: appendEvent(s, sessionEvent(now, 'resumed', `Resumed on node ${this.options.nodeId}`)),
        };
      },
      now,
    );
    if (!updated || updated.resumeSecretHash !== next.hash) throw unknown();
    return { session: updated, resumeToken: next.token };
  }

  /** Ends every session whose time ran out. Runs on a timer; safe to call concurrently. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepNow().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  // ---- queries -----------------------------------------------------------------------------------

  getSession(id: number): Promise<Session | undefined> {
    return this.live.get(id);
  }

  listSessions(query?: SessionQuery): Promise<Session[]> {
    return this.live.list(query);
  }

  countSessions(filter?: SessionFilter): Promise<number> {
    return this.live.count(filter);
  }

  /** Live sessions by client type, user type and node, and online users. */
  tally(): Promise<SessionTally> {
    return this.live.tally();
  }

  /** Places with someone in them (places.ts), with how many sessions and users each. */
  places(query: PlaceQuery): Promise<PlaceTally[]> {
    return this.live.places(query);
  }

  /**
   * Online users with their sessions, and/or offline users seen within the offline window. The live
   * sessions are listed at once, with every last activity as it was then, and grouped in slices
   * (online-users.ts). `online` answers the same array again while nothing moved since the last call.
   */
  async users(status: UserStatus): Promise<readonly UserPresence[]> {
    if (status === 'online') return this.online.users();
    const online = status === 'offline' ? [] : await this.online.users();
    // The grouping's last slice, the offline users and the caller's first slice of writing would
    // otherwise run as one stretch (some 10 ms at 10,000 users: BENCHMARKS.md, second round).
    if (status === 'all') await yieldToEventLoop();
    return [...online, ...(await this.offlineUsers())];
  }

  /** One user: live sessions if online, else what history remembers. */
  async user(id: string): Promise<UserPresence | undefined> {
    const sessions = await this.live.list({ userId: id });
    const record = await this.remembered(id);
    if (sessions.length === 0) return record ? { ...record, online: false, sessions: [] } : undefined;
    const live = presenceOf(sessions);
    // No live session reports a view yet: the last one history remembers is still the best answer.
    const lastView = live.lastView ?? record?.lastView;
    return lastView ? { ...live, lastView } : live;
  }

  /**
   * A page of one user's sessions, past and live, newest first (session-history.ts); `not_found` for a
   * user who is neither online nor remembered.
   */
  async userSessions(userId: string, page: { after?: SessionLogPosition; limit: number }): Promise<SessionHistoryPage> {
    // The log before the live store: a session that ends in between is then not live, and its end,
    // when this node ended it, is among the pending writes.
    const logged = await this.history.listSessionLog({ userId, limit: page.limit + 1, ...(page.after && { after: page.after }) });
    const live = await this.live.list({ userId });
    if (live.length === 0 && !(await this.remembered(userId))) throw userNotFound(userId);
    return sessionHistoryPage({ userId, ...page, logged, pending: this.writer.pendingSessionLog(), live });
  }

  /** Users with no live session seen within the offline window, most recent first. */
  async offlineUsers(): Promise<UserPresence[]> {
    const since = this.now() - this.options.offlineWindowMs;
    const onlineIds = new Set(await this.live.onlineUserIds());
    const byId = new Map<string, UserRecord>();
    // Only users not online are kept: at 10,000 users seen today most are online, and a Map of all of
    // them took milliseconds of the event loop per answer.
    for (const record of await this.usersSeenSince(since)) if (!onlineIds.has(record.user.id)) byId.set(record.user.id, record);
    for (const pending of this.writer.pendingUsers()) {
      if (pending.lastSeenAt >= since && !onlineIds.has(pending.user.id)) {
        byId.set(pending.user.id, this.freshest(byId.get(pending.user.id), pending)!);
      }
    }
    return [...byId.values()].sort((a, b) => b.lastSeenAt - a.lastSeenAt).map((record) => ({ ...record, online: false, sessions: [] }));
  }

  /** Every node of the cluster (the dialects' appliances), this one included once it registered. */
  nodes(): Promise<LiveNode[]> {
    return this.live.listNodes();
  }

  /**
   * Announces the end of sessions a crash left open (history.endOpenSessions ended their log rows at
   * start): `session.ended` with reason `node_lost` for each, and `user.offline` for each of their users
   * with no live session now. Call it once the stream and webhooks listen, before serving.
   */
  async announceLost(entries: readonly SessionLogEntry[]): Promise<void> {
    const records = new Map<string, UserRecord | undefined>();
    for (const entry of entries) {
      if (!records.has(entry.userId)) records.set(entry.userId, await this.history.getUser(entry.userId));
    }
    const lastEnd = new Map<string, { at: number; session: Session }>();
    const changes: PresenceChange[] = [];
    for (const entry of entries) {
      const session = lostSession(entry, records.get(entry.userId), this.options.nodeRole);
      changes.push({ type: 'session.ended', at: session.expiresAt, session, reason: entry.endReason ?? 'node_lost' });
      const last = lastEnd.get(entry.userId);
      if (!last || session.expiresAt > last.at) lastEnd.set(entry.userId, { at: session.expiresAt, session });
    }
    const online = new Set(await this.live.onlineUserIds());
    for (const [userId, { at, session }] of lastEnd) {
      if (online.has(userId)) continue;
      const lastSeenAt = Math.max(records.get(userId)?.lastSeenAt ?? 0, session.lastActivityAt);
      changes.push({ type: 'user.offline', at, user: session.user, lastSeenAt });
    }
    await this.live.announce(changes);
  }

  /** Lists this node in the live store, so every node can name all of them. Called once at start. */
  async registerNode(facts: Pick<LiveNode, 'hostname' | 'publicHostname' | 'version'>): Promise<void> {
    const now = this.now();
    this.registration ??= {
      ...facts,
      id: this.options.nodeId,
      role: this.options.nodeRole,
      // getTimezoneOffset() is minutes west of UTC; the dialects want seconds east.
      timezoneOffset: -new Date(now).getTimezoneOffset() * 60,
      startedAt: now,
    };
    await this.live.registerNode(this.registration);
  }

  // ---- the cluster's nodes ----------------------------------------------------------------------------

  /**
   * Tells the cluster this node is alive. A node the others took for lost (it was silent too long: a
   * stall, a partition) registers again; its sockets' sessions were ended meanwhile, and their clients
   * are told so and open anew. Answers false when it had been taken for lost.
   */
  async beat(): Promise<boolean> {
    if (await this.live.beat(this.options.nodeId)) return true;
    if (this.registration) await this.live.registerNode(this.registration);
    return false;
  }

  /**
   * Ends the sockets' sessions of every node silent for longer than `silenceMs` (killed, cut off):
   * `session.ended` with reason `node_lost`, once, by whichever node claimed the silent one.
   * `onLost` hears of each claimed node before its sessions end.
   */
  async reapSilentNodes(silenceMs: number, onLost: (nodeId: string) => void = () => undefined): Promise<string[]> {
    const silent = await this.live.claimSilentNodes(silenceMs);
    for (const nodeId of silent) {
      onLost(nodeId);
      await this.endSocketsOf(nodeId);
    }
    return silent;
  }

  /**
   * Ends sessions this node's sockets held before it restarted: their sockets went with the process
   * before this one. Called at start, before serving, when the live store outlives the process.
   */
  endOrphanedSockets(): Promise<void> {
    return this.endSocketsOf(this.options.nodeId);
  }

  private endSocketsOf(nodeId: string): Promise<void> {
    return this.endInSlices(() => this.live.endSocketsOf(nodeId, { reason: 'node_lost', at: this.now() }, SWEEP_BATCH));
  }

  /**
   * Ends what `claim` answers, a batch at a time, until a batch comes back short; yields to the event
   * loop after each SWEEP_SLICE_MS of work. Each batch is claimed afresh at the clock of its turn, so
   * a session extended while the sweep yielded is not claimed, and none is claimed twice.
   */
  private async endInSlices(claim: () => Promise<EndedSession[]>): Promise<void> {
    const sliceMs = this.options.sweepSliceMs ?? SWEEP_SLICE_MS;
    let sliceStart = performance.now();
    for (;;) {
      const ended = await claim();
      for (const end of ended) this.recordEnd(end);
      if (ended.length < SWEEP_BATCH) return;
      if (performance.now() - sliceStart >= sliceMs) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
  }

  /** Probes both stores with a cheap read. The fault itself goes to onError, not to the caller. */
  async health(): Promise<Health> {
    try {
      await this.live.count();
    } catch (error) {
      this.options.onError(error, 'health probe of the live store');
      return { ok: false, problem: 'the live store does not answer' };
    }
    try {
      await this.history.getSetting('health.probe');
    } catch (error) {
      this.options.onError(error, 'health probe of the history store');
      return { ok: false, problem: 'the history store does not answer' };
    }
    return { ok: true };
  }

  /** Writes pending history now (tests and shutdown; the timer does it otherwise). */
  flushHistory(): Promise<void> {
    return this.writer.flush();
  }

  // ---- internals ---------------------------------------------------------------------------------

  /**
   * History's users seen since `since`. A window of a day holds every user of a busy day, and polling
   * dialects ask for it every few seconds: what was read is kept until this node writes history again
   * (what it has not written yet comes from the writer's pending records) or, for what other nodes
   * write, until a flush interval has passed.
   */
  private async usersSeenSince(since: number): Promise<UserRecord[]> {
    const cached = this.seenCache;
    const now = this.now();
    if (
      cached &&
      cached.since <= since &&
      cached.batches === this.writer.batchesWritten &&
      now - cached.readAt < this.options.historyFlushMs
    ) {
      return cached.records.filter((record) => record.lastSeenAt >= since);
    }
    const batches = this.writer.batchesWritten;
    const records = await this.history.listUsersSeenSince(since);
    this.seenCache = { since, readAt: now, batches, records };
    return records;
  }

  /**
   * Before a history checkpoint: the users of this node's sessions whose last activity moved since the
   * last one (heartbeats move it in the store and tell history nothing). A session whose last activity
   * is still its start was written by its open. Answers only once all were handed over, so a failed
   * read leaves them for the next checkpoint.
   */
  private async collectActivity(): Promise<void> {
    const since = this.activityCollectedAt;
    const until = this.now();
    let afterId: number | undefined;
    for (;;) {
      const page = await this.live.list({ nodeId: this.options.nodeId, afterId, limit: ACTIVITY_PAGE });
      for (const session of page) {
        if (session.lastActivityAt >= since && session.lastActivityAt > session.startedAt)
          this.writer.active(session.user, session.lastActivityAt);
      }
      if (page.length < ACTIVITY_PAGE) break;
      afterId = page.at(-1)!.id;
      await yieldToEventLoop();
    }
    this.activityCollectedAt = until;
  }

  private async sweepNow(): Promise<void> {
    try {
      await this.endInSlices(() => this.live.claimExpired(this.now(), SWEEP_BATCH));
    } catch (error) {
      this.options.onError(error, 'expiry sweep');
    }
  }

  /** Ends a live session (the store announces it) and records its end in history. */
  private async endAndRecord(id: number, reason: EndReason, endedBy?: string): Promise<EndedSession | undefined> {
    const ended = await this.live.end(id, { reason, at: this.now(), ...(endedBy !== undefined && { endedBy }) });
    if (ended) this.recordEnd(ended);
    return ended;
  }

  /** What history keeps of a session this node ended: its user's last sighting and its log row. */
  private recordEnd({ session, reason, at, endedBy }: EndedSession): void {
    this.writer.seen(session.user, session.lastActivityAt, session.view);
    this.writer.log({ op: 'end', entry: endEntry(session, { endedAt: at, endReason: reason, endedBy }) });
  }

  private async touch(touches: readonly Touch[]): Promise<TouchResult> {
    const now = this.now();
    const result = await this.live.touch(touches, now);
    // Plain activity reaches history through collectActivity, at the next checkpoint.
    for (const session of result.touched) this.heartbeatsAccepted[session.transport]++;
    for (const session of result.changed) this.writer.seen(session.user, now, session.view);
    return result;
  }

  /** The live session `actor` may act on; `not_found` when it is not live or not theirs to see. */
  private async sessionFor(id: number, actor: Actor): Promise<Session> {
    const session = await this.live.get(id);
    if (!session) throw sessionNotFound(id);
    if (actor.kind === 'client' && session.user.id !== actor.userId) throw sessionNotFound(id);
    return session;
  }

  /** True for a socket session attached to this node (not resumed elsewhere, not already detached). */
  private holdsSocketOf(session: Session | undefined): boolean {
    return session !== undefined && session.nodeId === this.options.nodeId && !session.detached;
  }

  private lifetimeMs(transport: Session['transport']): number {
    return transport === 'http' ? this.options.sessionTtlMs : this.socketLivenessMs;
  }

  private connectionHere(now: number, privateIp: string | undefined): NodeConnection {
    return {
      nodeId: this.options.nodeId,
      purpose: this.options.nodeRole,
      receiveTrafficNode: this.options.nodeRole === 'traffic',
      connectedSince: now,
      ...(privateIp !== undefined && { privateIp }),
    };
  }

  /** What history remembers of a user, with what this node has not written yet. */
  private async remembered(id: string): Promise<UserRecord | undefined> {
    return this.freshest(await this.history.getUser(id), this.writer.pendingUser(id));
  }

  private freshest(a: UserRecord | undefined, b: UserRecord | undefined): UserRecord | undefined {
    if (!a || !b) return a ?? b;
    const newer = b.lastSeenAt >= a.lastSeenAt ? b : a;
    return {
      ...newer,
      lastSeenAt: Math.max(a.lastSeenAt, b.lastSeenAt),
      ...((b.lastView ?? a.lastView) && { lastView: b.lastView ?? a.lastView }),
    };
  }
}

export const sessionNotFound = (id: number) => new RollcallError('not_found', `session ${id} is not live`);
export const userNotFound = (id: string) => new RollcallError('not_found', `no user ${id} is online or remembered`);

function presenceOf(sessions: Session[]): UserPresence {
  const view = lastViewed(sessions)?.view;
  return {
    user: userFacts(sessions),
    lastSeenAt: Math.max(...sessions.map((s) => s.lastActivityAt)),
    ...(view && { lastView: view }),
    online: true,
    sessions,
  };
}
