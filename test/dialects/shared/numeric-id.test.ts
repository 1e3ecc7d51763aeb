// The rule both JSON dialects use to show an id as a number: exact, or not at all.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { numericId } from '../../../src/dialects/shared/numeric-id.ts';

const cases: [string, number | undefined][] = [
  ['0', 0],
  ['7', 7],
  ['10000000000001', 10000000000001],
  ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ['9007199254740992', 2 ** 53],
  ['9007199254740993', undefined],
  ['99999999999999999', undefined],
  ['0042', undefined],
  ['00', undefined],
  ['-5', undefined],
  ['+5', undefined],
  ['1e3', undefined],
  ['1.0', undefined],
  [' 7', undefined],
  ['', undefined],
  ['jsmith', undefined],
  ['٣', undefined],
];
for (const [id, expected] of cases) {
  it(`"${id}" → ${String(expected)}`, () => assert.equal(numericId(id), expected));
}
