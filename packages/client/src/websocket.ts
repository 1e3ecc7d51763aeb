// Which WebSocket the SDK uses: one the caller injects, else the runtime's own (browsers, Node 22+),
// else the `ws` package (Node 20 has no global WebSocket).
import { loadNodeWebSocket } from './node-websocket.ts';
import { platform } from './platform.ts';

/** The part of the WebSocket API the SDK uses; the browser's WebSocket and `ws`'s both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  /** `ws` only: drops the connection without the closing handshake. */
  terminate?(): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** readyState of an open socket (the same in every implementation). */
export const WS_OPEN = 1;

export async function resolveWebSocket(injected?: WebSocketConstructor): Promise<WebSocketConstructor> {
  if (injected) return injected;
  const native = platform.WebSocket;
  if (native) return native;
  return loadNodeWebSocket();
}
