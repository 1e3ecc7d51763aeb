// One simulated client: it reports its session through the SDK over the real WebSocket protocol, and
// comes and goes. This base class owns the connection side (join, leave, drop the socket, change the
// view, go idle); behaviours.ts says, per role, when to do what.
import WebSocket from 'ws';
import { RollcallClient, type SessionInit, type SessionUpdate, type WebSocketConstructor } from '@rollcall/client';
import type { View } from '../core/model.ts';
import type { DemoClient, DemoUser } from './population.ts';
import type { Rng } from './random.ts';
import type { SimClock } from './sim-clock.ts';
import type { DemoStats } from './stats.ts';
import type { SupportDesk } from './support-desk.ts';

/** What every actor shares. */
export interface ActorEnv {
  /** The demo server's base URL (loopback). */
  url: string;
  clock: SimClock;
  stats: DemoStats;
  desk: SupportDesk;
  /** A client token for the user, signed with the data dir's token secret. */
  token(user: DemoUser): Promise<string>;
}

export interface ActorInit {
  spec: DemoClient;
  user: DemoUser;
  rng: Rng;
  /** Loopback source address to connect from, so the server sees varied remote addresses. */
  localAddress?: string;
}

/** Milliseconds close() waits for the server's side of the closing handshake. */
const CLOSE_TIMEOUT_MS = 1_000;
/** Milliseconds a stopping demo waits for a reconnecting client to be back before closing it anyway. */
const SETTLE_BEFORE_CLOSE_MS = 3_000;

export abstract class SimActor {
  readonly spec: DemoClient;
  readonly user: DemoUser;
  protected readonly rng: Rng;
  protected readonly env: ActorEnv;
  /** The session as the next hello will report it; kept current by every change. */
  protected body: SessionInit;

  readonly #WebSocket: WebSocketConstructor;
  #client: RollcallClient | undefined;
  #socket: WebSocket | undefined;
  /** Bumped at every join and leave: timers of an earlier stay see a different number and do nothing. */
  #epoch = 0;
  #online = false;
  #stopped = false;
  #joins = 0;
  readonly #closing = new Set<Promise<void>>();
  #welcomed!: () => void;
  /** Resolves at the first welcome this actor ever gets. */
  readonly firstWelcome = new Promise<void>((resolve) => (this.#welcomed = resolve));

  constructor(init: ActorInit, env: ActorEnv) {
    this.spec = init.spec;
    this.user = init.user;
    this.rng = init.rng;
    this.env = env;
    this.body = structuredClone(init.spec.session);
    this.#WebSocket = socketClass(init.localAddress, (socket) => {
      this.#socket = socket;
    });
  }

  get key(): string {
    return this.spec.key;
  }

  /** Between join and leave (connecting, connected, or reconnecting). */
  get online(): boolean {
    return this.#online;
  }

  /** Welcomed and holding an open socket. */
  get connected(): boolean {
    return this.#client?.state === 'open';
  }

  get sessionId(): number | undefined {
    return this.#client?.sessionId;
  }

  /** Joins now when the population says the client is there from the start, else after a while. */
  start(): void {
    if (this.spec.online) this.join();
    else this.env.clock.after(this.rng.exponential(this.awayMeanMs), () => this.join());
  }

  /**
   * Closes the session (if any) and does nothing more. A client that is reconnecting gets a moment to
   * get its socket back first: without a socket it cannot say goodbye, and its session would only end
   * when the server stops.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#epoch++;
    this.#online = false;
    const client = this.#client;
    this.#client = undefined;
    if (client) this.#track(settled(client, SETTLE_BEFORE_CLOSE_MS).then(() => client.close()));
    await Promise.all(this.#closing);
  }

  // ---- what roles define -----------------------------------------------------------------------

  /** Mean simulated milliseconds between leaving and coming back. */
  protected abstract get awayMeanMs(): number;
  /** Called before each join: refresh what a new session reports (a new view, a new lsid). */
  protected prepare(_firstJoin: boolean): void {}
  /** Called right after each join: schedule what this stay does. */
  protected abstract onJoined(): void;
  /** Called at each welcome. `resumed` is true when the same session continued on a new socket. */
  protected onWelcome(_resumed: boolean): void {}
  /** Called when the session goes away (leave, or ended for good by the server). */
  protected onLeaving(): void {}

  // ---- actions ---------------------------------------------------------------------------------

  protected join(): void {
    if (this.#online || this.#stopped) return;
    this.prepare(this.#joins++ === 0);
    this.#online = true;
    this.#epoch++;
    const client = new RollcallClient({
      url: this.env.url,
      token: () => this.env.token(this.user),
      session: structuredClone(this.body),
      WebSocket: this.#WebSocket,
      idleDetection: false,
      closeTimeoutMs: CLOSE_TIMEOUT_MS,
      random: this.rng.random,
    });
    this.#client = client;
    const { stats } = this.env;
    client.on('welcome', ({ resumed }) => {
      if (!resumed) stats.add('joined');
      this.#welcomed();
      this.onWelcome(resumed);
    });
    client.on('resumed', () => stats.add('resumed'));
    client.on('error', (error) => {
      stats.add('errors');
      stats.lastError = `${this.key}: ${error.message}`;
    });
    // Closed without our close(): ended by an admin, or refused for good. The person comes back later.
    client.on('state', ({ state }) => {
      if (state !== 'closed' || this.#client !== client) return;
      this.#client = undefined;
      this.#gone();
    });
    // connect() rejects only when the client closes first, which the handlers above already report.
    client.connect().catch(() => {});
    this.onJoined();
  }

  /** Ends the session with a goodbye; comes back after about `awayMeanMs`. */
  protected leave(awayMeanMs = this.awayMeanMs): void {
    const client = this.#client;
    if (!this.#online || !client) return;
    this.#client = undefined;
    this.env.stats.add('left');
    this.#track(client.close());
    this.#gone(awayMeanMs);
  }

  /** Cuts the socket without a goodbye, as a network drop does; the SDK resumes the same session. */
  protected drop(newPrivateIp?: string): void {
    const socket = this.#socket;
    if (!this.connected || !socket) return;
    this.env.stats.add('dropped');
    socket.terminate();
    // A laptop that changed networks reports its new address once it is back.
    if (newPrivateIp !== undefined) this.update({ privateIp: newPrivateIp });
  }

  protected setView(view: View): void {
    this.body.view = view;
    if (!this.#client) return;
    this.#client.setView(view);
    this.env.stats.add('views');
  }

  protected setIdle(idle: boolean): void {
    if ((this.body.idle ?? false) === idle) return;
    this.body.idle = idle;
    if (!this.#client) return;
    this.#client.setIdle(idle);
    this.env.stats.add(idle ? 'idle' : 'back');
  }

  protected get idle(): boolean {
    return this.body.idle ?? false;
  }

  protected update(update: SessionUpdate): void {
    const { representative, user, ...rest } = update;
    Object.assign(this.body, rest);
    if (representative) this.body.representative = { ...this.body.representative, ...representative };
    if (user && this.body.user) this.body.user = { ...this.body.user, ...user };
    if (!this.#client) return;
    this.#client.update(update);
    this.env.stats.add('updates');
  }

  // ---- scheduling ------------------------------------------------------------------------------

  /** Runs `fn` after `simMs`, unless the stay it was scheduled in is over by then. */
  protected later(simMs: number, fn: () => void): void {
    const epoch = this.#epoch;
    this.env.clock.after(simMs, () => {
      if (epoch === this.#epoch && this.#online) fn();
    });
  }

  /** Runs `fn` again and again, at random intervals of mean `meanMs`, for as long as this stay lasts. */
  protected every(meanMs: number, fn: () => void): void {
    const loop = () =>
      this.later(this.rng.exponential(meanMs), () => {
        fn();
        loop();
      });
    loop();
  }

  /** Active for a while, idle for a while, over and over. `canIdle` may veto a turn (busy people). */
  protected idleCycle(activeMeanMs: number, idleMeanMs: number, onChange?: (idle: boolean) => void, canIdle = () => true): void {
    const active = () =>
      this.later(this.rng.exponential(activeMeanMs), () => {
        if (!canIdle()) return active();
        this.setIdle(true);
        onChange?.(true);
        this.later(this.rng.exponential(idleMeanMs), () => {
          this.setIdle(false);
          onChange?.(false);
          active();
        });
      });
    if (this.idle) {
      // Joined idle: come back first.
      this.later(this.rng.exponential(idleMeanMs), () => {
        this.setIdle(false);
        onChange?.(false);
        active();
      });
    } else {
      active();
    }
  }

  #gone(awayMeanMs = this.awayMeanMs): void {
    this.#online = false;
    this.#epoch++;
    this.onLeaving();
    if (this.#stopped) return;
    this.env.clock.after(this.rng.exponential(awayMeanMs), () => this.join());
  }

  #track(closing: Promise<void>): void {
    const tracked = closing.catch(() => {}).finally(() => this.#closing.delete(tracked));
    this.#closing.add(tracked);
  }
}

/** Resolves once the client is open or closed (not connecting or reconnecting), or after `timeoutMs`. */
function settled(client: RollcallClient, timeoutMs: number): Promise<void> {
  const busy = (state: string) => state === 'connecting' || state === 'reconnecting';
  if (!busy(client.state)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      off();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    const off = client.on('state', ({ state }) => {
      if (!busy(state)) done();
    });
  });
}

/** A `ws` WebSocket bound to a source address, reporting each socket it opens (to drop it later). */
function socketClass(localAddress: string | undefined, onSocket: (socket: WebSocket) => void): WebSocketConstructor {
  const options: WebSocket.ClientOptions = localAddress === undefined ? {} : { localAddress };
  return class DemoSocket extends WebSocket {
    constructor(url: string) {
      super(url, options);
      onSocket(this);
    }
  };
}
