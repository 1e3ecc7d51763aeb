// What the SDK uses of its runtime's global scope, typed here rather than by TypeScript's DOM library or
// Node's types: the SDK runs in browsers and in Node, and its declarations must hold in a project that
// has the one, the other, both or neither. Each global is read when it is used, never captured at load
// (tests and polyfills set them late), and the optional ones are missing somewhere: Node has no page,
// Node 20 no WebSocket.
import type { InputSource, VisibilitySource } from './idle.ts';
import type { WebSocketConstructor } from './websocket.ts';

/** The part of a WHATWG URL that the SDK reads and changes. */
export interface UrlLike {
  protocol: string;
  pathname: string;
  hash: string;
  toString(): string;
}

export interface PlatformGlobals {
  /** Browsers and Node 22+; Node 20 falls back to the `ws` package. */
  WebSocket?: WebSocketConstructor;
  /** The page's address, which a relative rollcall URL resolves against. */
  location?: { readonly href: string };
  /** The page, for idle detection by visibility. */
  document?: VisibilitySource;
  /** Where input is heard, for idle detection by input. */
  window?: InputSource;
  /** `userAgentData` answers the browser's client hints (client-hints.ts); Chromium's browsers only. */
  navigator?: { readonly userAgent?: unknown; readonly userAgentData?: unknown };
  URL: new (url: string, base?: string) => UrlLike;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  queueMicrotask(callback: () => void): void;
}

/** The global scope as the SDK sees it. */
export const platform = globalThis as unknown as PlatformGlobals;
