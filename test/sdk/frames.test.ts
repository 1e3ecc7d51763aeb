import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_HEARTBEAT_MS, parseServerFrame } from '../../packages/client/src/frames.ts';

const parse = (value: unknown) => parseServerFrame(JSON.stringify(value));

test('reads welcome, error and ended frames', () => {
  assert.deepEqual(parse({ type: 'welcome', sessionId: 1234, resumeToken: 'rt', heartbeatMs: 15_000 }), {
    type: 'welcome',
    sessionId: 1234,
    resumeToken: 'rt',
    heartbeatMs: 15_000,
  });
  assert.deepEqual(parse({ type: 'error', code: 'unknown_session', message: 'gone' }), {
    type: 'error',
    code: 'unknown_session',
    message: 'gone',
  });
  assert.deepEqual(parse({ type: 'ended', reason: 'ended_by_admin' }), { type: 'ended', reason: 'ended_by_admin' });
});

test('a welcome without a usable heartbeatMs gets the default', () => {
  for (const heartbeatMs of [undefined, 0, -5, 'x']) {
    const frame = parse({ type: 'welcome', sessionId: 1, resumeToken: 'rt', heartbeatMs });
    assert.equal(frame?.type === 'welcome' && frame.heartbeatMs, DEFAULT_HEARTBEAT_MS);
  }
});

test('refuses malformed welcomes', () => {
  for (const sessionId of [0, -1, 1.5, '12', null]) {
    assert.equal(parse({ type: 'welcome', sessionId, resumeToken: 'rt', heartbeatMs: 1 }), undefined);
  }
  assert.equal(parse({ type: 'welcome', sessionId: 1, resumeToken: '', heartbeatMs: 1 }), undefined);
  assert.equal(parse({ type: 'welcome', sessionId: 1, heartbeatMs: 1 }), undefined);
});

test('skips what is not a frame of a known type', () => {
  assert.equal(parseServerFrame('not json'), undefined);
  assert.equal(parseServerFrame(new Uint8Array([123, 125])), undefined);
  assert.equal(parse([1, 2]), undefined);
  assert.equal(parse(null), undefined);
  assert.equal(parse({ type: 'future_frame' }), undefined);
  assert.equal(parse({ type: 'error', message: 'no code' }), undefined);
});
