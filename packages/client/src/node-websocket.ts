// Node 20 fallback: the `ws` package, imported only when needed so nothing else in the SDK touches Node.
// The browser builds replace this module with node-websocket.browser.ts (scripts/build.mjs).
import type { WebSocketConstructor } from './websocket.ts';

export async function loadNodeWebSocket(): Promise<WebSocketConstructor> {
  const ws = await import('ws');
  return ws.WebSocket;
}
