// The command API's list parameters, property-based: whatever the order, `all` never hides a bad
// item (`type=all,foo` answered everything while `type=foo,all` was an error), and ids are plain
// decimal numbers (`01`, `+1`, `1e0`, `0x1` are not 1).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BT_CLIENT_TYPES } from '../../../src/dialects/beyondtrust/client-types.ts';
import { MAX_IDS, parseIds, parseTypes } from '../../../src/dialects/beyondtrust/params.ts';
import { RollcallError } from '../../../src/core/errors.ts';

const MAX_ID = 2 ** 31 - 1;
const refused = (run: () => unknown) => {
  try {
    run();
    return false;
  } catch (error) {
    return error instanceof RollcallError && error.code === 'invalid_parameter';
  }
};

const validItem = fc.constantFrom('all', ...BT_CLIENT_TYPES);
const badItem = fc
  .string({ minLength: 1, maxLength: 20 })
  .filter((s) => !s.includes(',') && s.trim() !== '' && s.trim() !== 'all' && !(BT_CLIENT_TYPES as readonly string[]).includes(s.trim()));

test('type: a list with any unknown item is refused, wherever the item stands and whether or not all is in it', () => {
  assert.ok(refused(() => parseTypes('all,foo')));
  assert.ok(refused(() => parseTypes('foo,all')));
  fc.assert(
    fc.property(fc.array(validItem, { maxLength: 6 }), badItem, fc.nat(), (valid, bad, at) => {
      const items: string[] = [...valid];
      items.splice(at % (items.length + 1), 0, bad);
      return refused(() => parseTypes(items.join(',')));
    }),
  );
});

test("type: a list of known items answers their types in the documents' order, all of them when all is in it", () => {
  fc.assert(
    fc.property(fc.array(validItem, { minLength: 1, maxLength: 8 }), (items) => {
      const types = parseTypes(items.join(','));
      const expected = items.includes('all') ? [...BT_CLIENT_TYPES] : BT_CLIENT_TYPES.filter((type) => items.includes(type));
      assert.deepEqual(types, expected);
    }),
  );
});

test('id: exactly the plain decimals from 1 to 2^31-1 are ids', () => {
  for (const odd of ['01', '+1', '1e0', '0x1', '1.0', '0', '-1', '2147483648', '1_0', '١'])
    assert.ok(
      refused(() => parseIds(odd)),
      odd,
    );
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes(',') && s.trim() === s && s !== ''),
      (item) => {
        const plain = /^[1-9][0-9]*$/.test(item) && Number(item) <= MAX_ID;
        if (plain) assert.deepEqual(parseIds(item), [Number(item)]);
        else
          assert.ok(
            refused(() => parseIds(item)),
            JSON.stringify(item),
          );
      },
    ),
  );
  fc.assert(fc.property(fc.integer({ min: 1, max: MAX_ID }), (id) => assert.deepEqual(parseIds(String(id)), [id])));
  assert.ok(refused(() => parseIds(Array.from({ length: MAX_IDS + 1 }, (_, i) => i + 1).join(','))));
});
