// The one error type of rollcall. The core and the transports throw it; each dialect renders it in its
// own shape (v1: {error:{code,message}}, BeyondTrust: <error>, …). Anything else that escapes is an
// internal fault and is rendered without its text.

export type ErrorCode =
  | 'invalid_body'
  | 'invalid_parameter'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  invalid_body: 400,
  invalid_parameter: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export class RollcallError extends Error {
  readonly code: ErrorCode;
  /** For `rate_limited`: whole seconds until the caller may try again (each dialect sends it as Retry-After). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: { retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = 'RollcallError';
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The HTTP status a JSON dialect answers with. */
  get status(): number {
    return STATUS_BY_CODE[this.code];
  }
}

export const isRollcallError = (value: unknown): value is RollcallError => value instanceof RollcallError;
