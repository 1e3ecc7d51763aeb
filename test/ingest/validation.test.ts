// compileValidator, as Fastify calls it: an absent body (null) is the body schema's `default` when it
// has one, a fresh copy each time; otherwise absent bodies and bad ones are refused as before.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { compileValidator, describeValidationErrors } from '../../src/ingest/validation.ts';

const Heartbeat = Type.Object({ idle: Type.Optional(Type.Boolean()) }, { additionalProperties: false });

describe('compileValidator', () => {
  it('gives an absent body the schema default, a new object each time', () => {
    const validate = compileValidator({ schema: { ...Heartbeat, default: {} }, httpPart: 'body' });
    const first = validate(null) as { value: Record<string, unknown> };
    assert.deepEqual(first, { value: {} });
    first.value.idle = true;
    assert.deepEqual(validate(null), { value: {} }, 'a change to one answer leaks into no other');
    assert.equal(validate({ idle: false }), true);
  });

  it('still refuses a bad body, with the same errors, when a default exists', () => {
    const withDefault = compileValidator({ schema: { ...Heartbeat, default: {} }, httpPart: 'body' });
    const without = compileValidator({ schema: Heartbeat, httpPart: 'body' });
    for (const body of [{ idle: 'yes' }, { idle: true, extra: 1 }, [], 'text']) {
      assert.equal(withDefault(body), false);
      assert.equal(without(body), false);
      const errors = (validator: typeof without) => describeValidationErrors((validator as unknown as { errors: never[] }).errors);
      assert.equal(errors(withDefault), errors(without), JSON.stringify(body));
    }
    assert.equal(describeValidationErrors((withDefault as unknown as { errors: never[] }).errors), 'body: must be object');
  });

  it('refuses an absent body when the schema has no default', () => {
    const validate = compileValidator({ schema: Heartbeat, httpPart: 'body' });
    assert.equal(validate(null), false);
  });
});
