// The wire contract of rollcall's ingest (specs/INGEST.md): what a session reports of itself and the
// codes the WebSocket protocol speaks. Both sides read it from here: the SDK, and the server, which
// imports it as `@rollcall/client/protocol` (the one copy; the server keeps only its own limits and
// timeouts in src/ingest/protocol.ts). It imports nothing, so any runtime can load it.

export const CLIENT_TYPES = ['representative', 'support_customer', 'presentation_attendee', 'push_agent', 'web'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

export const REPRESENTATIVE_TYPES = ['Normal', 'Embassy', 'Invited'] as const;
export type RepresentativeType = (typeof REPRESENTATIVE_TYPES)[number];

export const NON_INTERACTIVE_KINDS = ['rdp', 'shelljump'] as const;
export type NonInteractiveKind = (typeof NON_INTERACTIVE_KINDS)[number];

/** What a session is looking at now: module, view, and a "key|value" target. */
export interface View {
  m: string;
  v: string;
  t: string;
}

/** Whether two views name the same thing (absent equals only absent). */
export function sameView(a: View | undefined, b: View | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.m === b.m && a.v === b.v && a.t === b.t);
}

export interface Platform {
  id: string;
  name: string;
}

/** Facts only a representative console reports (routing flags, counts, the sessions it is in). */
export interface RepresentativeInfo {
  type: RepresentativeType;
  startSessionUrl?: string;
  directLink?: string;
  presentationCount: number;
  supportSessionCount: number;
  showingOnRepList: boolean;
  routingIdle: boolean;
  routingBusy: boolean;
  routingEnabled: boolean;
  routingAvailable: boolean;
  supportLicense?: string;
  /** lsids of the support sessions the representative is in; they match customers' `lsid`. */
  supportSessionLsids: string[];
}

export interface CustomerInfo {
  lsid: string;
  nonInteractive?: NonInteractiveKind;
}

/**
 * User-Agent Client Hints a browser reports (navigator.userAgentData's high-entropy values): what a
 * reduced user agent no longer says. Only the values rollcall reads are taken. The server keeps them as
 * a shared frozen object (core/interning.ts), keys in this order, absent ones left out.
 */
export interface ClientHints {
  /** "Windows", "macOS", "Android", "Chrome OS", "Linux", … */
  platform?: string;
  /** Windows: "13.0.0" and up is Windows 11; macOS and Android: the OS version ("14.5.0"). */
  platformVersion?: string;
  /** Every brand with its full version, GREASE brands ("Not A(Brand") included as the browser sent them. */
  fullVersionList?: BrandVersion[];
  /** The device model (Android), "" on desktops. */
  model?: string;
}

export interface BrandVersion {
  brand: string;
  version: string;
}

/** Why a session ended: the `reason` of an `ended` frame, the event log's and the history's session log's. */
export const END_REASONS = [
  'closed', // the client said goodbye (bye frame, DELETE)
  'expired', // an HTTP session missed its heartbeats for the TTL
  'connection_lost', // a WebSocket closed and no resume came within the grace period
  'ping_timeout', // a WebSocket missed two pings
  'ended_by_admin',
  'node_lost', // the node holding the session stopped without handing it over
  'server_shutdown', // the node stopped and its live store does not outlive it
] as const;
export type EndReason = (typeof END_REASONS)[number];

/** Close codes the server uses; the SDK decides from them whether and how to reconnect. */
export const CloseCode = {
  /** After a `bye`: the client is done. */
  normal: 1000,
  /** The server is shutting down or restarting: reconnect soon (with jitter) and resume. */
  serviceRestart: 1012,
  /** The session was ended by the server (admin, expiry); an `ended` frame came first. */
  sessionEnded: 4000,
  /** Too many invalid frames. Reconnecting with the same behaviour would fail again. */
  protocolAbuse: 4400,
  /** The credential was refused (bad or expired token). Reconnect only with a new token. */
  unauthorized: 4401,
  /** No hello/resume arrived in time after the socket opened. */
  helloTimeout: 4408,
  /** The resumed session is now attached to a newer socket; this one is no longer used. */
  replaced: 4409,
} as const;
export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

/** Error codes in `{"type":"error","code",…}` frames. The socket stays open unless the close follows. */
export const WsErrorCode = {
  invalidMessage: 'invalid_message',
  invalidBody: 'invalid_body',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  /** A resume token that names no live session: the SDK then sends a fresh hello. */
  unknownSession: 'unknown_session',
  /** A frame that needs a session (hb, update) before hello/resume succeeded. */
  noSession: 'no_session',
} as const;
