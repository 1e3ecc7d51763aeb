// The frames of the WebSocket protocol (specs/INGEST.md, "WebSocket GET /v1/connect"), as the SDK sends
// and reads them. Field names are the public contract.
import type { View } from './protocol.ts';
import { placeFrameOf, type PlaceServerFrame } from './place-watch.ts';
import type { SessionBody, SessionUpdate } from './session.ts';

export interface HeartbeatFields {
  idle?: boolean;
  view?: View;
}

export type ClientFrame =
  | { type: 'hello'; token: string; session: SessionBody }
  | { type: 'resume'; resumeToken: string; token?: string }
  | { type: 'join' | 'leave' | 'watch' | 'unwatch'; place: string }
  | ({ type: 'hb' } & HeartbeatFields)
  | ({ type: 'update' } & SessionUpdate)
  | { type: 'bye' };

export interface WelcomeFrame {
  type: 'welcome';
  sessionId: number;
  resumeToken: string;
  /** How often the server expects an `hb`, in ms. */
  heartbeatMs: number;
}
export interface ErrorFrame {
  type: 'error';
  code: string;
  message: string;
}
export interface EndedFrame {
  type: 'ended';
  reason: string;
}
export type ServerFrame = WelcomeFrame | ErrorFrame | EndedFrame | PlaceServerFrame;

/** Used when a welcome carries no usable heartbeatMs: the contract's example value. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/**
 * Reads one text frame. Returns undefined for anything that is not a well-formed frame of a known type:
 * unknown types are skipped so the server can add frames without breaking older clients.
 */
export function parseServerFrame(data: unknown): ServerFrame | undefined {
  if (typeof data !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  switch (value.type) {
    case 'welcome': {
      const { sessionId, resumeToken, heartbeatMs } = value;
      if (typeof sessionId !== 'number' || !Number.isSafeInteger(sessionId) || sessionId <= 0) return undefined;
      if (typeof resumeToken !== 'string' || resumeToken === '') return undefined;
      const validHeartbeat = typeof heartbeatMs === 'number' && Number.isFinite(heartbeatMs) && heartbeatMs > 0;
      return { type: 'welcome', sessionId, resumeToken, heartbeatMs: validHeartbeat ? heartbeatMs : DEFAULT_HEARTBEAT_MS };
    }
    case 'error':
      if (typeof value.code !== 'string') return undefined;
      return { type: 'error', code: value.code, message: text(value.message) };
    case 'ended':
      return { type: 'ended', reason: text(value.reason) };
    case 'members':
    case 'place':
      return placeFrameOf(value);
    default:
      return undefined;
  }
}
