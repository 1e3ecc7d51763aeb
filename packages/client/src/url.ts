// Turns what an application calls "the rollcall URL" into the WebSocket endpoint.
import { platform } from './platform.ts';

/** The ingest WebSocket route (specs/INGEST.md). */
export const CONNECT_PATH = '/v1/connect';

/**
 * Accepts rollcall's base URL (`https://presence.example.com`, optionally under a path prefix) or the full
 * endpoint (`wss://presence.example.com/v1/connect`). http(s) becomes ws(s); a relative URL resolves
 * against `base` (the page's location in a browser). Throws a TypeError for an unusable URL.
 */
export function connectUrl(url: string, base?: string): string {
  const parsed = new platform.URL(url, base);
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  else if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new TypeError(`rollcall url must be http(s) or ws(s), got ${parsed.protocol}`);
  }
  const path = parsed.pathname.replace(/\/+$/, '');
  if (!path.endsWith(CONNECT_PATH)) parsed.pathname = path + CONNECT_PATH;
  parsed.hash = '';
  return parsed.toString();
}
