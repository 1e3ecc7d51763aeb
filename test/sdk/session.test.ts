import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameView } from '../../packages/client/src/protocol.ts';
import { initialBody, mergeUpdate } from '../../packages/client/src/session.ts';

test('initial body: clientType web and the local timezone offset in seconds east of UTC', () => {
  const now = new Date('2025-01-15T12:00:00Z');
  const body = initialBody({}, now);
  assert.equal(body.clientType, 'web');
  assert.equal(body.timezoneOffset, -now.getTimezoneOffset() * 60);
  assert.equal(body.user, undefined, 'with a client token the user comes from the token');
});

test('initial body: explicit fields win', () => {
  const body = initialBody({ clientType: 'representative', timezoneOffset: -18_000, userAgent: 'agent/1' });
  assert.equal(body.clientType, 'representative');
  assert.equal(body.timezoneOffset, -18_000);
  assert.equal(body.userAgent, 'agent/1');
});

test('updates merge nested objects one level deep', () => {
  const body = initialBody({
    user: { id: '4145', name: 'Jack Smith', email: 'jack@example.com' },
    clientType: 'representative',
    representative: { type: 'Normal', routingBusy: false, supportSessionLsids: ['a'] },
    platform: { id: 'winNT-64', name: 'Windows 11 (x64)' },
  });
  const merged = mergeUpdate(body, {
    user: { name: 'Jack S.' },
    representative: { routingBusy: true },
    platform: { id: 'mac', name: 'macOS' },
    view: { m: 'a', v: 'b', t: 'c' },
  });
  assert.deepEqual(merged.user, { id: '4145', name: 'Jack S.', email: 'jack@example.com' });
  assert.deepEqual(merged.representative, { type: 'Normal', routingBusy: true, supportSessionLsids: ['a'] });
  assert.deepEqual(merged.platform, { id: 'mac', name: 'macOS' });
  assert.deepEqual(merged.view, { m: 'a', v: 'b', t: 'c' });
  assert.equal(merged.clientType, 'representative');
  assert.equal(body.user?.name, 'Jack Smith', 'the original is not changed');
});

test('sameView compares the three fields', () => {
  assert.ok(sameView({ m: 'a', v: 'b', t: 'c' }, { m: 'a', v: 'b', t: 'c' }));
  assert.ok(!sameView({ m: 'a', v: 'b', t: 'c' }, { m: 'a', v: 'b', t: 'd' }));
  assert.ok(!sameView(undefined, { m: 'a', v: 'b', t: 'c' }));
  assert.ok(sameView(undefined, undefined));
});
