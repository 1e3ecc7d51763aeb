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
  if (httpPart !== 'body') return plainIntegers(schema, textAjv.compile(schema));
  const validate = bodyAjv.compile(schema);
  return 'default' in schema ? absentBodyIsDefault(validate, schema.default) : validate;
}

function absentBodyIsDefault(validate: ValidateFunction, fallback: unknown): FastifyValidator {
  // Fastify reads `errors` from the function it was given after a `false`.
  const validateOrDefault = (data: unknown) => (data === null ? { value: structuredClone(fallback) } : validate(data));
  return Object.defineProperty(validateOrDefault, 'errors', { get: () => validate.errors });
}

/**
 * How an integer is written in a path or a query string: decimal digits, no leading zero, an optional
 * minus. Ajv's coercion (Number()) also took `0x1`, `1e0`, `+1`, `01` and "1 " for 1, so one id had
 * many spellings (and cache keys, and log lines).
 */
const PLAIN_INTEGER = /^(?:0|-?[1-9][0-9]*)$/;

/** The top-level properties of an object schema that are integers. */
function integerProperties(schema: object): string[] {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  return Object.entries(properties)
    .filter(([, property]) => property.type === 'integer')
    .map(([name]) => name);
}

/** Refuses an integer property written in any way but plain decimal digits, before ajv coerces it. */
function plainIntegers(schema: object, validate: ValidateFunction): FastifyValidator {
  const names = integerProperties(schema);
  if (names.length === 0) return validate;
  let ownErrors: ErrorObject[] | null = null;
  const validatePlain = (data: unknown) => {
    ownErrors = null;
    if (typeof data === 'object' && data !== null) {
      for (const name of names) {
        const raw = (data as Record<string, unknown>)[name];
        if (typeof raw === 'string' && !PLAIN_INTEGER.test(raw)) {
          ownErrors = [
            {
              instancePath: `/${name}`,
              schemaPath: '#/type',
              keyword: 'type',
              params: { type: 'integer' },
              message: 'must be a whole number in plain decimal digits (no sign, leading zero, exponent, hex or spaces)',
            },
          ];
          return false;
        }
      }
    }
    return validate(data);
  };
  return Object.defineProperty(validatePlain, 'errors', { get: () => ownErrors ?? validate.errors });
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
