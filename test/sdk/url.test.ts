import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectUrl } from '../../packages/client/src/url.ts';

test('connectUrl accepts a base URL or the full endpoint', () => {
  assert.equal(connectUrl('https://presence.example.com'), 'wss://presence.example.com/v1/connect');
  assert.equal(connectUrl('http://127.0.0.1:8080/'), 'ws://127.0.0.1:8080/v1/connect');
  assert.equal(connectUrl('https://example.com/rollcall/'), 'wss://example.com/rollcall/v1/connect');
  assert.equal(connectUrl('wss://example.com/v1/connect'), 'wss://example.com/v1/connect');
  assert.equal(connectUrl('/rollcall', 'https://app.example.com/page'), 'wss://app.example.com/rollcall/v1/connect');
  assert.throws(() => connectUrl('ftp://example.com'), TypeError);
  assert.throws(() => connectUrl('not a url'), TypeError);
});
