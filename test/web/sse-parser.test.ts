// The dashboard's Server-Sent Events parser (it reads /v1/events through fetch, since EventSource
// cannot send an Authorization header): any chunking, CR/LF/CRLF, comments, ids, retry.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SseParser } from '../../src/web/client/sse.ts';

const STREAM =
  'retry: 1500\n\n' +
  'id: 0\n\n' +
  ': keep-alive\n\n' +
  'id: 1\nevent: session.started\ndata: {"type":"session.started","at":1}\n\n' +
  'id: 2\r\nevent: session.ended\r\ndata: {"a":\r\ndata: 2}\r\n\r\n' +
  'id: 3\revent: resync\rdata:{"type":"resync"}\r\r' +
  'data: no event name\n\n';

describe('SseParser', () => {
  test('parses messages, ids, retry and comments', () => {
    const parser = new SseParser();
    const messages = parser.push(STREAM);
    assert.deepEqual(messages, [
      { lastEventId: '1', event: 'session.started', data: '{"type":"session.started","at":1}' },
      { lastEventId: '2', event: 'session.ended', data: '{"a":\n2}' },
      { lastEventId: '3', event: 'resync', data: '{"type":"resync"}' },
      { lastEventId: '3', event: 'message', data: 'no event name' },
    ]);
    assert.equal(parser.retryMs, 1500);
    assert.equal(parser.lastEventId, '3');
  });

  test('gives the same messages whatever the chunking (even a CRLF split in two)', () => {
    const whole = new SseParser().push(STREAM);
    for (const size of [1, 2, 3, 7, 16]) {
      const parser = new SseParser();
      const messages = [];
      for (let i = 0; i < STREAM.length; i += size) messages.push(...parser.push(STREAM.slice(i, i + size)));
      assert.deepEqual(messages, whole, `chunks of ${size}`);
    }
  });

  test('an id-only block moves the last event id without dispatching', () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push('id: 41\n\n'), []);
    assert.equal(parser.lastEventId, '41');
    assert.deepEqual(parser.push('data: x\n'), [], 'nothing until the blank line');
    assert.deepEqual(parser.push('\n'), [{ lastEventId: '41', event: 'message', data: 'x' }]);
  });
});
