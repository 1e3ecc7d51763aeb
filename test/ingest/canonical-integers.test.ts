// Integers in paths and query strings arrive as text. Coercion made `0x1`, `1e0`, `+1`, `01` and
// `1%20` (decoded to "1 ") all into 1; only plain decimal digits are a number now, property-based.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Type } from '@sinclair/typebox';
import fc from 'fast-check';
import { compileValidator } from '../../src/ingest/validation.ts';
import { SessionIdSchema } from '../../src/core/input-schemas.ts';

const MAX_ID = 2 ** 31 - 1;
const params = compileValidator({ schema: Type.Object({ id: SessionIdSchema }), httpPart: 'params' }) as (data: unknown) => boolean;
const accepts = (text: string) => {
  const data = { id: text };
  return params(data) === true ? data.id : undefined;
};

test('the listed spellings of 1 are not 1', () => {
  for (const odd of ['0x1', '1e0', '+1', '01', '1 ', ' 1', '1.0', '0b1', '0o1', '1n', ''])
    assert.equal(accepts(odd), undefined, JSON.stringify(odd));
  assert.equal(accepts('1'), 1);
});

test('a session id in a path is accepted exactly when it matches /^[1-9][0-9]*$/ and is at most 2^31-1', () => {
  const digitsAndNoise = fc.stringMatching(/^[-+ 0-9a-fx.e]{0,12}$/);
  fc.assert(
    fc.property(fc.oneof(digitsAndNoise, fc.string({ maxLength: 12 }), fc.integer({ min: -10, max: 2 ** 32 }).map(String)), (text) => {
      const expected = /^[1-9][0-9]*$/.test(text) && Number(text) <= MAX_ID ? Number(text) : undefined;
      assert.equal(accepts(text), expected, JSON.stringify(text));
    }),
    { numRuns: 2000 },
  );
});

test('the refusal names the parameter and says what is wanted', () => {
  const validate = compileValidator({ schema: Type.Object({ id: SessionIdSchema }), httpPart: 'params' }) as ((
    data: unknown,
  ) => boolean) & { errors?: { instancePath: string; message?: string }[] };
  assert.equal(validate({ id: '0x1' }), false);
  assert.equal(validate.errors?.[0]?.instancePath, '/id');
  assert.match(validate.errors?.[0]?.message ?? '', /decimal/);
});
