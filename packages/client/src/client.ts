// RollcallClient: keeps one session open over the ingest WebSocket (specs/INGEST.md) through network
// drops, server restarts and token expiry, and reports idle state and the current view.
//
// One socket at a time. Every socket gets an attempt number; events from a socket whose number is no
// longer current are ignored, so a late close or message from an abandoned socket cannot disturb the
// state machine.
import { CloseCode, sameView, WsErrorCode, type EndReason, type View } from './protocol.ts';
import { Backoff } from './backoff.ts';
import { requestClientHints } from './client-hints.ts';
import { systemClock, type Clock, type TimerHandle } from './clock.ts';
import { Emitter } from './emitter.ts';
import { ClientErrorCode, RollcallClientError } from './errors.ts';
import { parseServerFrame, type ClientFrame, type HeartbeatFields, type WelcomeFrame } from './frames.ts';
import { IdleDetector, type InputSource, type VisibilitySource } from './idle.ts';
import { PlaceWatch } from './place-watch.ts';
import { platform } from './platform.ts';
import { DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_MAX_AUTH_ATTEMPTS, type RollcallClientOptions, type TokenSource } from './options.ts';
import { initialBody, mergeUpdate, type SessionBody, type SessionUpdate } from './session.ts';
import { connectUrl } from './url.ts';
import { WS_OPEN, resolveWebSocket, type WebSocketConstructor, type WebSocketLike } from './websocket.ts';

/**
 * idle: never connected. connecting: first connection under way. open: welcomed, heartbeats flowing.
 * reconnecting: lost the connection, waiting or connecting again. closed: by close() or for good.
 */
export type ClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface RollcallClientEvents {
  state: { state: ClientState; previous: ClientState };
  /** Every successful hello or resume. `resumed` is true when the same session continued. */
  welcome: { sessionId: number; heartbeatMs: number; resumed: boolean };
  /** A resume kept the session (after a drop or a server restart). */
  resumed: { sessionId: number };
  /** The server ended the session. With `willReconnect` the client opens a new one. */
  ended: { reason: string; willReconnect: boolean };
  /** A socket closed without close() being called. */
  disconnect: { code: number; reason: string; willReconnect: boolean };
  /** Server error frames (not fatal) and reasons the client stopped (`fatal: true`). */
  error: RollcallClientError;
}

/** The one end reason after which the client must not come back on its own. */
const ENDED_BY_ADMIN: EndReason = 'ended_by_admin';

/** Floor for the server's heartbeatMs, so a bad value cannot turn the heartbeat into a busy loop. */
const MIN_HEARTBEAT_MS = 10;

/**
 * How long a hello waits for the browser's client hints, in ms. They come within a few ms, while the
 * token is fetched; a browser slower than this does not hold the session back (see #askClientHints).
 */
const CLIENT_HINTS_WAIT_MS = 500;

/** The close code of a connection that ended without a close frame (RFC 6455). */
const ABNORMAL_CLOSURE = 1006;
/** How long a close event may take to follow an error event before the SDK stops waiting for it. */
const CLOSE_AFTER_ERROR_MS = 1_000;

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Callers may ignore connect()'s promise (errors also arrive as 'error' events); an unobserved
  // rejection must not crash Node.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export class RollcallClient {
  readonly #url: string;
  readonly #token: TokenSource;
  /** The places watched, by name: watched again on every welcome. */
  readonly #watches = new Map<string, PlaceWatch>();
  readonly #WebSocket: WebSocketConstructor | undefined;
  readonly #clock: Clock;
  readonly #backoff: Backoff;
  readonly #maxAuthAttempts: number;
  readonly #closeTimeoutMs: number;
  readonly #idleDetector: IdleDetector | undefined;
  readonly #events = new Emitter<RollcallClientEvents>();

  #state: ClientState = 'idle';
  /** The session as it stands now, idle and view included: what a fresh hello reports. */
  #body: SessionBody;
  /** Updates made while disconnected, sent after a resume (a fresh hello carries them in #body). */
  #pendingUpdate: SessionUpdate | undefined;
  /** Idle state and view as the last hello carried them. */
  #helloState: { idle: boolean; view: View | undefined } | undefined;
  #sessionId: number | undefined;
  #resumeToken: string | undefined;
  /** Whether the current socket's last hello/resume was a resume. */
  #resuming = false;
  /** The reason of an `ended` frame on the current socket. */
  #endedReason: string | undefined;
  #authFailures = 0;
  /** Whether the runtime's client hints go with the runtime's user agent (neither was given). */
  readonly #readsClientHints: boolean;
  /** The browser's client hints, asked for once, at the first connect; settles when they are in #body. */
  #clientHints: Promise<void> | undefined;

  #attempt = 0;
  #socket: WebSocketLike | undefined;
  #socketClosed: Promise<void> | undefined;
  #heartbeatMs = 0;
  #heartbeatTimer: TimerHandle | undefined;
  #reconnectTimer: TimerHandle | undefined;
  #ready: Deferred<void> | undefined;
  #closing: Promise<void> | undefined;

  /** Throws a TypeError when `url` is unusable. Nothing connects before connect(). */
  constructor(options: RollcallClientOptions) {
    this.#url = connectUrl(options.url, platform.location?.href);
    this.#token = options.token;
    this.#WebSocket = options.WebSocket;
    this.#clock = options.clock ?? systemClock;
    this.#backoff = new Backoff(options.backoff, options.random);
    this.#maxAuthAttempts = Math.max(1, options.maxAuthAttempts ?? DEFAULT_MAX_AUTH_ATTEMPTS);
    this.#closeTimeoutMs = options.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.#body = initialBody(options.session);
    this.#body.idle ??= false;
    this.#readsClientHints = options.session?.userAgent === undefined && options.session?.clientHints === undefined;

    const doc: VisibilitySource | undefined = options.document ?? platform.document;
    const win: InputSource | undefined = options.window ?? platform.window;
    if (options.idleDetection ?? doc !== undefined) {
      this.#idleDetector = new IdleDetector({
        idleAfterMs: options.idleAfterMs,
        document: doc,
        inputTarget: win,
        clock: this.#clock,
        onChange: (idle) => this.setIdle(idle),
      });
    }
  }

  get state(): ClientState {
    return this.#state;
  }

  /** The current session's id; undefined before the first welcome and after the session is gone. */
  get sessionId(): number | undefined {
    return this.#sessionId;
  }

  get idle(): boolean {
    return this.#body.idle ?? false;
  }

  get view(): View | undefined {
    return this.#body.view;
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof RollcallClientEvents>(name: K, listener: (payload: RollcallClientEvents[K]) => void): () => void {
    return this.#events.on(name, listener);
  }

  once<K extends keyof RollcallClientEvents>(name: K, listener: (payload: RollcallClientEvents[K]) => void): () => void {
    return this.#events.once(name, listener);
  }

  /**
   * Starts connecting (a no-op while already connecting or open) and resolves at the next welcome. It
   * keeps retrying through failures, so it rejects only when the client closes first: by close(), or
   * for good (refused token, admin end, …, also reported as an 'error' or 'ended' event, so the promise
   * may be ignored). After a close it starts over with a new session.
   */
  connect(): Promise<void> {
    if (this.#state === 'open') return Promise.resolve();
    this.#ready ??= deferred();
    if (this.#state === 'idle' || this.#state === 'closed') {
      this.#forgetSession();
      this.#backoff.reset();
      this.#authFailures = 0;
      this.#setState('connecting');
      this.#idleDetector?.start();
      this.#askClientHints();
      void this.#open();
    }
    return this.#ready.promise;
  }

  /** Reports idle or active. Browsers detect this themselves unless idleDetection is off. */
  setIdle(idle: boolean): void {
    if (this.#body.idle === idle) return;
    this.#body.idle = idle;
    this.#sendHeartbeat({ idle });
  }

  /** Reports what the session views now; sent at once in a heartbeat. */
  setView(view: View): void {
    if (sameView(this.#body.view, view)) return;
    this.#body.view = { m: view.m, v: view.v, t: view.t };
    this.#sendHeartbeat({ view: this.#body.view });
  }

  /** Changes open fields (not user.id or clientType). Sent at once when open, else after reconnecting. */
  update(update: SessionUpdate): void {
    this.#body = mergeUpdate(this.#body, update);
    if (this.#state === 'open' && this.#send({ type: 'update', ...update })) return;
    this.#pendingUpdate = mergeUpdate(this.#pendingUpdate ?? {}, update);
  }

  /** Joins a place (`ticket:105792`): others watching it see this user. The token must grant it. */
  join(place: string): void {
    const places = this.#body.places ?? [];
    if (places.includes(place)) return;
    this.#body.places = [...places, place];
    if (this.#state === 'open') this.#send({ type: 'join', place });
  }

  leave(place: string): void {
    if (!this.#body.places?.includes(place)) return;
    this.#body.places = this.#body.places.filter((name) => name !== place);
    if (this.#state === 'open') this.#send({ type: 'leave', place });
  }

  /**
   * Watches who else is in a place: `members()`, and `join`, `leave` and `update` events. Kept across
   * reconnects; one socket carries every watch. The token must grant the place.
   */
  watch(place: string): PlaceWatch {
    const known = this.#watches.get(place);
    if (known) return known;
    const watch = new PlaceWatch(place, (stopped) => {
      if (this.#watches.get(place) !== stopped) return;
      this.#watches.delete(place);
      if (this.#state === 'open') this.#send({ type: 'unwatch', place });
    });
    this.#watches.set(place, watch);
    if (this.#state === 'open') this.#send({ type: 'watch', place });
    return watch;
  }

  /**
   * Ends the session: sends `bye`, closes the socket with 1000 and stops every timer. Resolves once the
   * socket has closed (or after closeTimeoutMs). Does not reconnect; connect() starts a new session.
   */
  close(): Promise<void> {
    if (this.#state === 'closed') return this.#closing ?? Promise.resolve();
    const socket = this.#socket;
    const socketClosed = this.#socketClosed;
    if (this.#state === 'open') this.#send({ type: 'bye' });
    this.#finish(new RollcallClientError(ClientErrorCode.closed, 'closed by the application', { fatal: true }));
    this.#closing = socket && socketClosed ? this.#awaitClosed(socket, socketClosed) : Promise.resolve();
    return this.#closing;
  }

  async #awaitClosed(socket: WebSocketLike, closed: Promise<void>): Promise<void> {
    let timer: TimerHandle | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = this.#clock.setTimeout(() => {
        // The server did not answer the closing handshake; drop the connection where we can.
        socket.terminate?.();
        resolve();
      }, this.#closeTimeoutMs);
    });
    await Promise.race([closed, timeout]);
    this.#clock.clearTimeout(timer);
  }

  async #open(): Promise<void> {
    const attempt = ++this.#attempt;
    const current = (): boolean => attempt === this.#attempt && this.#state !== 'closed';

    let WebSocketImpl: WebSocketConstructor;
    try {
      WebSocketImpl = await resolveWebSocket(this.#WebSocket);
    } catch (cause) {
      if (current()) {
        const message = 'no WebSocket implementation available';
        this.#fail(new RollcallClientError(ClientErrorCode.noWebSocket, message, { fatal: true, cause }));
      }
      return;
    }
    if (!current()) return;

    // The token is fetched before the socket opens, so its latency does not eat into the server's hello
    // timeout.
    let first: ClientFrame;
    if (this.#resumeToken !== undefined) {
      first = { type: 'resume', resumeToken: this.#resumeToken };
      // Joining and watching places need the token's grants, which a resume token does not carry.
      if (this.#watches.size > 0 || (this.#body.places?.length ?? 0) > 0) {
        const token = await this.#tokenIfAny();
        if (!current()) return;
        if (token !== undefined) first.token = token;
      }
    } else {
      const hello = await this.#hello();
      if (!current()) return;
      if (!hello) {
        this.#scheduleOpen(this.#backoff.next());
        return;
      }
      first = hello;
    }

    let socket: WebSocketLike;
    try {
      socket = new WebSocketImpl(this.#url);
    } catch (cause) {
      const message = `cannot open a WebSocket to ${this.#url}`;
      this.#fail(new RollcallClientError(ClientErrorCode.noWebSocket, message, { fatal: true, cause }));
      return;
    }
    const closed = deferred<void>();
    this.#socket = socket;
    this.#socketClosed = closed.promise;
    this.#resuming = first.type === 'resume';
    this.#endedReason = undefined;

    socket.addEventListener('open', () => {
      if (attempt === this.#attempt) this.#send(first);
    });
    socket.addEventListener('message', (event) => {
      if (attempt === this.#attempt) this.#onMessage(event.data);
    });
    let finished = false;
    const finish = (code: number, reason: string) => {
      if (finished) return;
      finished = true;
      closed.resolve();
      if (attempt === this.#attempt) this.#onClose(code, reason);
    };
    // Errors carry no detail worth reporting; the close event that follows decides what to do. Node
    // 22's built-in WebSocket fires no close after a refused connection, though the standard says one
    // follows: an error not followed by a close soon is taken as an abnormal close (1006).
    socket.addEventListener('error', () => {
      this.#clock.setTimeout(() => finish(ABNORMAL_CLOSURE, 'the connection failed'), CLOSE_AFTER_ERROR_MS);
    });
    socket.addEventListener('close', (event) => finish(event.code, event.reason));
  }

  /**
   * Asks the browser for its client hints, once. Hints that come before a hello go in it; later ones go
   * in an update when the session is open, else in the next hello. A browser that refuses sends none.
   */
  #askClientHints(): void {
    if (this.#clientHints || !this.#readsClientHints) return;
    this.#clientHints = requestClientHints()?.then((hints) => {
      if (!hints || this.#body.clientHints !== undefined) return;
      if (this.#state === 'open') this.update({ clientHints: hints });
      else this.#body.clientHints = hints;
    });
  }

  /** Waits for the client hints asked for at connect, CLIENT_HINTS_WAIT_MS at most. */
  async #awaitClientHints(): Promise<void> {
    if (!this.#clientHints || this.#body.clientHints !== undefined) return;
    let timer: TimerHandle | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = this.#clock.setTimeout(resolve, CLIENT_HINTS_WAIT_MS);
    });
    await Promise.race([this.#clientHints, waited]);
    this.#clock.clearTimeout(timer);
  }

  /** A token for a resume, or undefined when none can be had (the resume then goes without). */
  async #tokenIfAny(): Promise<string | undefined> {
    try {
      const token = typeof this.#token === 'string' ? this.#token : await this.#token();
      return typeof token === 'string' && token !== '' ? token : undefined;
    } catch {
      return undefined;
    }
  }

  /** A hello with a fresh token, or undefined (after an 'error' event) when no token could be had. */
  async #hello(): Promise<ClientFrame | undefined> {
    // The hints are awaited beside the token, so they cost the hello no time of their own.
    const hinted = this.#awaitClientHints();
    let token: unknown;
    try {
      token = typeof this.#token === 'string' ? this.#token : await this.#token();
    } catch (cause) {
      this.#emitError(new RollcallClientError(ClientErrorCode.tokenUnavailable, 'the token function failed', { cause }));
      return undefined;
    }
    await hinted;
    if (typeof token !== 'string' || token === '') {
      this.#emitError(new RollcallClientError(ClientErrorCode.tokenUnavailable, 'the token function returned no token'));
      return undefined;
    }
    this.#helloState = { idle: this.#body.idle ?? false, view: this.#body.view };
    return { type: 'hello', token, session: this.#body };
  }

  #onMessage(data: unknown): void {
    const frame = parseServerFrame(data);
    if (!frame) return;
    switch (frame.type) {
      case 'welcome':
        this.#onWelcome(frame);
        return;
      case 'ended':
        this.#endedReason = frame.reason;
        return;
      case 'members':
      case 'place':
        this.#watches.get(frame.place)?.receive(frame);
        return;
      case 'error':
        if (frame.code === WsErrorCode.unknownSession && this.#resuming) {
          this.#onUnknownSession();
          return;
        }
        this.#emitError(new RollcallClientError(frame.code, frame.message));
    }
  }

  /** The session to resume is gone: open a new one on the same socket. */
  #onUnknownSession(): void {
    this.#forgetSession();
    this.#resuming = false;
    const attempt = this.#attempt;
    void this.#hello().then((hello) => {
      if (attempt !== this.#attempt || this.#state === 'closed') return;
      // Without a token this socket is of no use; closing it leads to a retry with backoff.
      if (!hello || !this.#send(hello)) this.#socket?.close(CloseCode.normal);
    });
  }

  #onWelcome(frame: WelcomeFrame): void {
    const resumed = this.#resuming && frame.sessionId === this.#sessionId;
    const afterResume = this.#resuming;
    this.#resuming = false;
    this.#sessionId = frame.sessionId;
    this.#resumeToken = frame.resumeToken;
    this.#heartbeatMs = Math.max(MIN_HEARTBEAT_MS, frame.heartbeatMs);
    this.#backoff.reset();
    this.#authFailures = 0;
    this.#setState('open');
    // Every watch again: the server sends each place's members, and each watch fires what changed.
    for (const place of this.#watches.keys()) this.#send({ type: 'watch', place });

    if (afterResume) {
      // The server kept the session as it was when the socket dropped: send what changed since, and the
      // current idle state and view, which cost little to repeat.
      const pending = this.#pendingUpdate;
      this.#pendingUpdate = undefined;
      if (pending) this.#send({ type: 'update', ...pending });
      const beat: HeartbeatFields = { idle: this.#body.idle ?? false };
      if (this.#body.view) beat.view = this.#body.view;
      this.#sendHeartbeat(beat);
    } else {
      // The hello carried the whole body as it was then. Idle or view may have changed while the
      // welcome was on its way (the idle timer does not wait for the network): if so, send them now.
      this.#pendingUpdate = undefined;
      const sent = this.#helloState;
      const idle = this.#body.idle ?? false;
      if (sent && (sent.idle !== idle || !sameView(sent.view, this.#body.view))) {
        const beat: HeartbeatFields = { idle };
        if (this.#body.view) beat.view = this.#body.view;
        this.#sendHeartbeat(beat);
      } else {
        this.#scheduleHeartbeat();
      }
    }

    this.#events.emit('welcome', { sessionId: frame.sessionId, heartbeatMs: this.#heartbeatMs, resumed });
    if (resumed) this.#events.emit('resumed', { sessionId: frame.sessionId });
    const ready = this.#ready;
    this.#ready = undefined;
    ready?.resolve();
  }

  #onClose(code: number, reason: string): void {
    this.#socket = undefined;
    this.#socketClosed = undefined;
    this.#cancelHeartbeat();
    const endedReason = this.#endedReason;
    this.#endedReason = undefined;

    if (code === CloseCode.protocolAbuse) {
      this.#disconnected(code, reason, false);
      this.#fail(this.#closedError(ClientErrorCode.protocolAbuse, `the server refused our frames: ${reason}`, code));
      return;
    }
    if (code === CloseCode.replaced) {
      this.#disconnected(code, reason, false);
      this.#fail(this.#closedError(ClientErrorCode.replaced, 'another connection took over this session', code));
      return;
    }

    if (code === CloseCode.sessionEnded || endedReason !== undefined) {
      // The session is over; a resume would only meet unknown_session.
      this.#forgetSession();
      const why = endedReason ?? reason;
      if (why === ENDED_BY_ADMIN) {
        this.#disconnected(code, reason, false);
        this.#finish(this.#closedError(ClientErrorCode.ended, `the session was ended: ${why}`, code));
        this.#events.emit('ended', { reason: why, willReconnect: false });
        return;
      }
      this.#disconnected(code, reason, true);
      this.#events.emit('ended', { reason: why, willReconnect: true });
      this.#scheduleOpen(code === CloseCode.serviceRestart ? this.#backoff.afterRestart() : this.#backoff.next());
      return;
    }

    if (code === CloseCode.unauthorized) {
      // The refused credential may have been the resume token; the next attempt says hello with a new token.
      this.#forgetSession();
      this.#authFailures++;
      if (this.#authFailures >= this.#maxAuthAttempts) {
        this.#disconnected(code, reason, false);
        const message = `the server refused the token ${this.#authFailures} times`;
        this.#fail(this.#closedError(ClientErrorCode.unauthorized, message, code));
        return;
      }
      this.#disconnected(code, reason, true);
      this.#scheduleOpen(this.#backoff.next());
      return;
    }

    this.#disconnected(code, reason, true);
    this.#scheduleOpen(code === CloseCode.serviceRestart ? this.#backoff.afterRestart() : this.#backoff.next());
  }

  /** The error for a close code after which the client stays closed. */
  #closedError(code: string, message: string, closeCode: number): RollcallClientError {
    return new RollcallClientError(code, message, { fatal: true, closeCode });
  }

  #disconnected(code: number, reason: string, willReconnect: boolean): void {
    this.#events.emit('disconnect', { code, reason, willReconnect });
  }

  #scheduleOpen(delayMs: number): void {
    this.#setState('reconnecting');
    this.#cancelReconnect();
    this.#reconnectTimer = this.#clock.setTimeout(() => {
      this.#reconnectTimer = undefined;
      void this.#open();
    }, delayMs);
  }

  /** Sends an hb now (when open) and restarts the heartbeat interval from here. */
  #sendHeartbeat(fields: HeartbeatFields): void {
    if (this.#state !== 'open') return;
    this.#send({ type: 'hb', ...fields });
    this.#scheduleHeartbeat();
  }

  #scheduleHeartbeat(): void {
    this.#cancelHeartbeat();
    this.#heartbeatTimer = this.#clock.setTimeout(() => {
      this.#heartbeatTimer = undefined;
      this.#sendHeartbeat({});
    }, this.#heartbeatMs);
  }

  #cancelHeartbeat(): void {
    if (this.#heartbeatTimer === undefined) return;
    this.#clock.clearTimeout(this.#heartbeatTimer);
    this.#heartbeatTimer = undefined;
  }

  #cancelReconnect(): void {
    if (this.#reconnectTimer === undefined) return;
    this.#clock.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
  }

  #send(frame: ClientFrame): boolean {
    const socket = this.#socket;
    if (!socket || socket.readyState !== WS_OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  #forgetSession(): void {
    this.#sessionId = undefined;
    this.#resumeToken = undefined;
  }

  /** Stops for good: no timers, no listeners on the page, no socket. */
  #finish(reason: RollcallClientError): void {
    this.#attempt++; // whatever is in flight is now stale
    this.#cancelHeartbeat();
    this.#cancelReconnect();
    this.#idleDetector?.stop();
    const socket = this.#socket;
    this.#socket = undefined;
    this.#socketClosed = undefined;
    socket?.close(CloseCode.normal);
    this.#setState('closed');
    const ready = this.#ready;
    this.#ready = undefined;
    ready?.reject(reason);
  }

  #fail(error: RollcallClientError): void {
    this.#finish(error);
    this.#emitError(error);
  }

  #emitError(error: RollcallClientError): void {
    this.#events.emit('error', error);
  }

  #setState(state: ClientState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#events.emit('state', { state, previous });
  }
}
