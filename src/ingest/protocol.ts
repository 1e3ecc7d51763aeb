// The WebSocket ingest protocol (specs/INGEST.md), shared by the server and the SDK. It must stay free
// of Node-only imports: the SDK bundles it for browsers.

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

/** Invalid frames tolerated on one socket before it is closed with `protocolAbuse`. */
export const MAX_INVALID_FRAMES = 5;

/** Largest frame accepted, in bytes (the ingest contract's limit for a whole message). */
export const MAX_MESSAGE_BYTES = 16 * 1024;

/** Milliseconds the server waits for hello/resume on a new socket. */
export const HELLO_TIMEOUT_MS = 10_000;
