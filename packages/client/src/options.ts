// What an application passes to `new RollcallClient(...)`.
import type { BackoffOptions } from './backoff.ts';
import type { Clock } from './clock.ts';
import type { InputSource, VisibilitySource } from './idle.ts';
import type { SessionInit } from './session.ts';
import type { WebSocketConstructor } from './websocket.ts';

/**
 * A client token (an HS256 JWT your backend signs, specs/INGEST.md "Client tokens"), or a function that
 * returns one. The function is called before every hello, including after the server refused a token
 * (close 4401), so it should hand out a fresh token once the old one expires; caching is up to it.
 */
export type TokenSource = string | (() => string | Promise<string>);

export interface RollcallClientOptions {
  /** rollcall's base URL (`https://presence.example.com`) or the full `wss://…/v1/connect` endpoint. */
  url: string;
  token: TokenSource;
  /** The session to open. `user` may be left out with a client token; clientType defaults to "web". */
  session?: SessionInit;
  /** A WebSocket constructor to use instead of the runtime's own (or, in Node 20, the `ws` package). */
  WebSocket?: WebSocketConstructor;
  /**
   * Automatic idle detection from page visibility and input. Default: on when a `document` is available
   * (browsers), off otherwise; use setIdle() where there is no page.
   */
  idleDetection?: boolean;
  /** Milliseconds without input before the session reports idle. Default 60,000. */
  idleAfterMs?: number;
  /** Visibility source for idle detection. Default: the global `document`. */
  document?: VisibilitySource;
  /** Input source for idle detection. Default: the global `window`. */
  window?: InputSource;
  /** Reconnect delays (exponential with full jitter). Defaults: baseMs 500, maxMs 30,000, restartMs 2,000. */
  backoff?: BackoffOptions;
  /** Refused tokens (close 4401) in a row before the client gives up with a fatal 'error'. Default 3. */
  maxAuthAttempts?: number;
  /** Milliseconds close() waits for the server's side of the closing handshake. Default 2,000. */
  closeTimeoutMs?: number;
  /** Timers and time; tests inject a fake. Default: the platform's. */
  clock?: Clock;
  /** Source of jitter, returning [0, 1). Default Math.random. */
  random?: () => number;
}

export const DEFAULT_MAX_AUTH_ATTEMPTS = 3;
export const DEFAULT_CLOSE_TIMEOUT_MS = 2_000;
