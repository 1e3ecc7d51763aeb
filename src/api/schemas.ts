// Schema pieces every v1 route uses: the error body, the error answers a route may give, and small
// builders. Route schemas drive validation, response serialization and the OpenAPI document, so each
// answer a route can give is declared once, here or beside the route.
import { Type, type TSchema } from '@sinclair/typebox';

/** A string that is one of `values`; validation errors then list them ("must be one of …"). */
export const stringEnum = <T extends readonly string[]>(values: T, options: { description?: string; default?: T[number] } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

/** `{"error":{"code","message"}}`: every v1 error, 4xx and 5xx alike (errors.ts renders it). */
export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({
        description: 'machine-readable: invalid_body, invalid_parameter, unauthorized, forbidden, not_found, conflict, …',
      }),
      message: Type.String({ description: 'one readable sentence naming the field or the reason' }),
    }),
  },
  { description: 'An error' },
);

const ERROR_DESCRIPTIONS = {
  400: 'Invalid parameter or body',
  401: 'Missing or wrong credentials',
  403: 'The credentials may not do this',
  404: 'No such thing',
  409: 'Conflicts with the current state',
  413: 'Body too large',
  415: 'Send the body as application/json',
  429: 'Too many failed credential checks from this address or for this account; wait Retry-After seconds',
  500: 'Internal error (the body names only an error id, which the server log also has)',
} as const;
export type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** Response schemas for the given error statuses, plus 500, which any route may answer. */
export function errorResponses(...statuses: ErrorStatus[]): Record<number, TSchema> {
  const responses: Record<number, TSchema> = {};
  for (const status of [...statuses, 500 as const]) {
    responses[status] = Type.Object(ErrorSchema.properties, { description: ERROR_DESCRIPTIONS[status] });
  }
  return responses;
}

/** A 204 answer: no body. */
export const NoContent = Type.Null({ description: 'Done; no body' });

/** OpenAPI security requirements: any one of the listed schemes (see api/openapi.ts) will do. */
export type SecurityRequirements = Record<string, string[]>[];
/** Who may call a v1 read or admin route: an account (Basic) or an API key (Bearer). */
export const READER_SECURITY: SecurityRequirements = [{ basicAuth: [] }, { bearerAuth: [] }];
/** Routes anyone may call. */
export const OPEN_SECURITY: SecurityRequirements = [];
