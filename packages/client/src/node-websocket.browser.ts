// Stands in for node-websocket.ts in the browser bundle, so `ws` is never bundled or fetched. Only reached
// in a runtime that has no global WebSocket and was given none.
import type { WebSocketConstructor } from './websocket.ts';

export async function loadNodeWebSocket(): Promise<WebSocketConstructor> {
  throw new Error('no WebSocket in this runtime: pass one as the WebSocket option');
}
