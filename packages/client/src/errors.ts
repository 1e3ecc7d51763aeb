// Errors the SDK reports through its 'error' event and the connect() promise.
import { WsErrorCode } from './protocol.ts';

/** Codes the SDK itself produces; server error frames keep the server's code (see WsErrorCode). */
export const ClientErrorCode = {
  /** The server refused the token (close 4401) too many times in a row. Same spelling as the server's. */
  unauthorized: WsErrorCode.unauthorized,
  /** The `token` function threw or returned no string; the client retries with backoff. */
  tokenUnavailable: 'token_unavailable',
  /** The server closed the socket for invalid frames (close 4400). */
  protocolAbuse: 'protocol_abuse',
  /** Another socket took over this session (close 4409). */
  replaced: 'replaced',
  /** No WebSocket implementation: not in this runtime, not injected, and `ws` could not be loaded. */
  noWebSocket: 'no_websocket',
  /** close() was called before the connection was established (rejects connect()). */
  closed: 'closed',
  /** An admin ended the session before the connection was established (rejects connect()). */
  ended: 'ended',
} as const;

export class RollcallClientError extends Error {
  override readonly name = 'RollcallClientError';
  /** A ClientErrorCode, or the code of the server's error frame. */
  readonly code: string;
  /** True when the client has closed for good and will not reconnect by itself. */
  readonly fatal: boolean;
  /** The WebSocket close code that led to this error, when one did. */
  readonly closeCode: number | undefined;

  constructor(code: string, message: string, options: { fatal?: boolean; closeCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.fatal = options.fatal ?? false;
    this.closeCode = options.closeCode;
  }
}
