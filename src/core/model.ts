// The presence model: what rollcall knows about users and their sessions.
// Every field a compatible dialect exposes (specs/WIRE-FORMATS.md) has a home here; dialects only
// rename and format. Times are Unix epoch milliseconds unless a name says otherwise.

import type { ClientHints, ClientType, CustomerInfo, EndReason, Platform, RepresentativeInfo, View } from '@rollcall/client/protocol';

// What a session reports of itself is the ingest's wire contract, which lives in the SDK's package (its
// one copy, shared with every client); the server reads it through this file like the rest of its model.
export { CLIENT_TYPES, END_REASONS, NON_INTERACTIVE_KINDS, REPRESENTATIVE_TYPES, sameView } from '@rollcall/client/protocol';
export type {
  BrandVersion,
  ClientHints,
  ClientType,
  CustomerInfo,
  EndReason,
  NonInteractiveKind,
  Platform,
  RepresentativeInfo,
  RepresentativeType,
  View,
} from '@rollcall/client/protocol';

/** A person or machine known to the reporting application. */
export interface UserInfo {
  id: string;
  name: string;
  email?: string;
  /** staff | customer | system | any word the application uses; "customer" when not given. */
  type: string;
  username?: string;
  publicDisplayName?: string;
  privateDisplayName?: string;
}

/** How the session reaches rollcall; it decides how the session expires. */
export const TRANSPORTS = ['http', 'websocket'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** One attachment of a session to a node (the dialects call nodes appliances). */
export interface NodeConnection {
  nodeId: string;
  purpose: 'master' | 'traffic';
  receiveTrafficNode: boolean;
  connectedSince: number;
  privateIp?: string;
}

export const SESSION_EVENT_KINDS = ['connected', 'connect_failed', 'disconnected', 'resumed', 'ended'] as const;
export type SessionEventKind = (typeof SESSION_EVENT_KINDS)[number];

export interface SessionEvent {
  at: number;
  kind: SessionEventKind;
  /** Human-readable, e.g. "Connected to node <guid> as master". */
  text: string;
}

/** The event log keeps this many of the latest events per session (the BeyondTrust document says 20). */
export const EVENT_LOG_LIMIT = 20;

/** A session lists at most this many nodes it was attached to, the latest last. */
export const CONNECTION_LIMIT = 8;

/**
 * What a session's user agent says, parsed once when the session opens or its agent or platform
 * changes (core/user-agent.ts), never per query. Identical agents share one frozen object.
 */
export interface SessionAgent {
  /** e.g. "Chrome", "Firefox", "Googlebot", "curl"; "Unknown" when nothing is recognised. */
  browser: string;
  /** e.g. "134.0.0.0"; "" when unknown. */
  version: string;
  /** Leading integer of `version`; 0 when unknown or absurd (more than 9 digits). */
  majorVersion: number;
  /** e.g. "Linux", "Windows"; the reported platform name when the agent names none; else "Unknown". */
  os: string;
  /**
   * The OS's version as people name it ("11" for Windows 11, "14.5" for macOS 14.5, "14" for Android 14),
   * from the client hints or else from the agent. Absent when neither says it: reduced agents freeze
   * "Windows NT 10.0" (10 or 11), "Mac OS X 10_15_7" and "Android 10; K", so those name no version.
   */
  osVersion?: string;
  /** The device model the client hints name (Android: "Pixel 8"); absent without hints. */
  model?: string;
}

/** A live session as the stores keep it. */
export interface Session {
  id: number;
  user: UserInfo;
  clientType: ClientType;
  transport: Transport;
  hostname?: string;
  platform?: Platform;
  /** Seconds from UTC, as the client reported. */
  timezoneOffset?: number;
  userAgent?: string;
  /** What the browser's client hints say; the agent prefers them to `userAgent`. */
  clientHints?: ClientHints;
  /** Parsed from `userAgent` and `clientHints` (and `platform` when neither names an OS). */
  agent?: SessionAgent;
  privateIp?: string;
  /** Taken from the connection, never from the body. */
  remoteAddress: string;
  idle: boolean;
  view?: View;
  /**
   * The places the session joined (core/places.ts), in name order; absent when none. Its view's place
   * is not in it: read `sessionPlaces` for every place the session is in.
   */
  places?: readonly string[];
  representative?: RepresentativeInfo;
  customer?: CustomerInfo;
  startedAt: number;
  lastActivityAt: number;
  /** When the session ends unless something extends it (heartbeat, pong, resume). */
  expiresAt: number;
  /** How far each sign of life pushes `expiresAt`: the HTTP TTL, or two WebSocket pings and a half. */
  lifetimeMs: number;
  /**
   * The node that owns the session's transport: the node of its socket (it moves with a resume), or the
   * node that took an HTTP session's open (heartbeats through other nodes leave it, so a load balancer
   * spreading them does not turn every heartbeat into a change).
   */
  nodeId: string;
  /** That node's role when the session opened or resumed there. */
  nodeRole: NodeConnection['purpose'];
  /**
   * Absent while the session has its one connection to `nodeId` since `startedAt`: most sessions never
   * have another, and a million of them should not each carry the same array. Read `sessionConnections`.
   */
  connections?: NodeConnection[];
  /** Absent while the log holds only the opening "connected" event. Read `sessionEvents`. */
  events?: SessionEvent[];
  /**
   * The first 128 bits of the sha256 of the secret half of the resume token, base64url: enough to
   * recognise the secret, which is never stored.
   */
  resumeSecretHash: string;
  /** True while a WebSocket session has no socket and waits for a resume. */
  detached: boolean;
  /**
   * The seq of the change that made this state (live/live-store.ts): equal on every node of a
   * cluster, higher after every change. 0 until a live store took the session.
   */
  version: number;
}

/**
 * A session's event log, oldest first. Read it through this function, not the field: a session that
 * only ever connected keeps no log, and its one "connected" event is made here when asked.
 */
export function sessionEvents(session: Session): readonly SessionEvent[] {
  return session.events ?? [connectedEvent(session)];
}

/** The nodes a session is attached to. Read it through this function, for the reason above. */
export function sessionConnections(session: Session): readonly NodeConnection[] {
  return session.connections ?? [firstConnection(session)];
}

/** The event every session's log starts with. */
function connectedEvent(session: Pick<Session, 'startedAt' | 'nodeId' | 'nodeRole'>): SessionEvent {
  return { at: session.startedAt, kind: 'connected', text: connectedText(session.nodeId, session.nodeRole) };
}

function firstConnection(session: Session): NodeConnection {
  const connection: NodeConnection = {
    nodeId: session.nodeId,
    purpose: session.nodeRole,
    receiveTrafficNode: session.nodeRole === 'traffic',
    connectedSince: session.startedAt,
  };
  if (session.privateIp !== undefined) connection.privateIp = session.privateIp;
  return connection;
}

/**
 * Nodes are few, and a node's sessions ask for its own text over and over: the last one is kept, so
 * the common case makes no string at all.
 */
let lastConnected = { nodeId: '', role: '', text: '' };
function connectedText(nodeId: string, role: NodeConnection['purpose']): string {
  if (nodeId !== lastConnected.nodeId || role !== lastConnected.role) {
    lastConnected = { nodeId, role, text: `Connected to node ${nodeId} as ${role}` };
  }
  return lastConnected.text;
}

/** A user as history remembers them, including those with no live session. */
export interface UserRecord {
  user: UserInfo;
  lastSeenAt: number;
  lastView?: View;
}

/** A user with what presence knows now. */
export interface UserPresence extends UserRecord {
  online: boolean;
  sessions: Session[];
}

/**
 * A user entered a place (their first session in it) or left it (their last session in it left or
 * ended): user-level, like user.online and user.offline. `sessionId` is the session that made it so.
 */
export interface PlaceChange {
  type: 'place.join' | 'place.leave';
  at: number;
  place: string;
  user: UserInfo;
  sessionId: number;
}

/** Changes the core announces; later consumers (stream, webhooks, caches) read them. */
export type PresenceChange =
  | { type: 'session.started'; at: number; session: Session }
  | { type: 'session.updated'; at: number; session: Session }
  | { type: 'session.ended'; at: number; session: Session; reason: EndReason; endedBy?: string }
  | { type: 'user.online'; at: number; user: UserInfo }
  | { type: 'user.offline'; at: number; user: UserInfo; lastSeenAt: number }
  | PlaceChange;
export type PresenceChangeType = PresenceChange['type'];
