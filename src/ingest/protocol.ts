// The WebSocket ingest protocol (specs/INGEST.md) as the server runs it. Its close and error codes are
// the contract with every client, kept in one copy in the SDK's package and re-exported here; this file
// holds only the server's own limits and timeouts.
export { CloseCode, type CloseCodeValue, WsErrorCode } from '@rollcall/client/protocol';

/** Invalid frames tolerated on one socket before it is closed with `protocolAbuse`. */
export const MAX_INVALID_FRAMES = 5;

/** Largest frame accepted, in bytes (the ingest contract's limit for a whole message). */
export const MAX_MESSAGE_BYTES = 16 * 1024;

/** Milliseconds the server waits for hello/resume on a new socket. */
export const HELLO_TIMEOUT_MS = 10_000;
