import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RollcallError } from '../../src/core/errors.ts';
test('error status', () => { assert.equal(new RollcallError('not_found', 'x').status, 404); });
test('skipped one', { skip: 'demo' }, () => {});
