// Validation shared by HTTP routes and WebSocket frames, so both refuse the same input with the same
// words. Bodies are checked strictly (no type coercion, unknown fields refused); query strings and
// path parameters are coerced, because they only ever arrive as text.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema, Static } from '@sinclair/typebox';
import { RollcallError } from '../core/errors.ts';

const bodyAjv = new Ajv({ allErrors: false, coerceTypes: false, removeAdditional: false, useDefaults: false, strict: false });
const textAjv = new Ajv({ allErrors: false, coerceTypes: 'array', removeAdditional: false, useDefaults: true, strict: false });

/** What Fastify accepts from a compiled validator: a verdict, or (for a custom one) a replacement value. */
type FastifyValidator = ValidateFunction | ((data: unknown) => boolean | { value: unknown });

/**
 * Fastify's validator compiler: strict for bodies, coercing for query strings, params and headers. A
 * body schema with a `default` makes the body optional: an absent one (Fastify passes null) is that
 * default, as JSON Schema's `default` describes, without a hook on the route.
 */
export function compileValidator({ schema, httpPart }: { schema: object; httpPart?: string }): FastifyValidator {
  if (httpPart !== 'body') return textAjv.compile(schema);
  const validate = bodyAjv.compile(schema);
  return 'default' in schema ? absentBodyIsDefault(validate, schema.default) : validate;
}

function absentBodyIsDefault(validate: ValidateFunction, fallback: unknown): FastifyValidator {
  // Fastify reads `errors` from the function it was given after a `false`.
  const validateOrDefault = (data: unknown) => (data === null ? { value: structuredClone(fallback) } : validate(data));
  return Object.defineProperty(validateOrDefault, 'errors', { get: () => validate.errors });
}

const compiled = new WeakMap<object, ValidateFunction>();

/** Validates a parsed WebSocket frame (or any body) against a schema; throws `invalid_body`. */
export function validateBody<T extends TSchema>(schema: T, value: unknown): Static<T> {
  let validate = compiled.get(schema);
  if (!validate) compiled.set(schema, (validate = bodyAjv.compile(schema)));
  if (!validate(value)) throw new RollcallError('invalid_body', describeValidationErrors(validate.errors ?? []));
  return value as Static<T>;
}

/** One readable sentence for the first problem, naming the field: `clientType: must be one of …`. */
export function describeValidationErrors(errors: readonly ErrorObject[], context = 'body'): string {
  const error = errors[0];
  if (!error) return `${context}: invalid`;
  const path = fieldPath(error.instancePath);
  const at = (field: string) => (path ? `${path}.${field}` : field);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `${path || context}: unknown field "${String(params.additionalProperty)}"`;
    case 'required':
      return `${at(String(params.missingProperty))}: required`;
    case 'enum':
      return `${path || context}: must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'maxItems':
      return `${path || context}: at most ${String(params.limit)} items`;
    default:
      return `${path || context}: ${error.message ?? 'invalid'}`;
  }
}

/** `/user/name` → `user.name`; `/heartbeats/3/id` → `heartbeats[3].id`. */
function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}
