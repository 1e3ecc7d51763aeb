// SseConnection against a sink that stands in for a socket: it can be made to back up, so slow clients,
// drain and overflow are tested without depending on kernel buffer sizes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { StreamEvent } from '../../src/stream/event-backlog.ts';
import { SseConnection, eventFrame, type SseSink } from '../../src/stream/sse-connection.ts';

class FakeSink extends EventEmitter implements SseSink {
  written = '';
  ended = false;
  /** While true, writes answer false (the socket is backed up) until drain() is called. */
  backedUp = false;
  write(chunk: string): boolean {
    this.written += chunk;
    return !this.backedUp;
  }
  end(): void {
    this.ended = true;
  }
  drain(): void {
    this.backedUp = false;
    this.emit('drain');
  }
}

const event = (id: number, overrides: Partial<StreamEvent> = {}): StreamEvent => ({
  id,
  type: 'session.started',
  userId: 'u1',
  clientType: 'web',
  places: [],
  data: JSON.stringify({ type: 'session.started', n: id }),
  ...overrides,
});

const sentIds = (sink: FakeSink) => [...sink.written.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));

describe('SseConnection', () => {
  it('writes the retry hint, the position, then events as id/event/data frames', () => {
    const sink = new FakeSink();
    const connection = new SseConnection(sink, {}, { maxQueue: 10 });
    connection.hello(3000);
    connection.begin(7);
    connection.push(event(8));
    assert.equal(sink.written, `retry: 3000\n\nid: 7\n\n${eventFrame(event(8))}`);
    assert.equal(eventFrame(event(8)), `id: 8\nevent: session.started\ndata: {"type":"session.started","n":8}\n\n`);
  });

  it('holds live events until it knows where to start, then sends the replay and the rest once', () => {
    const sink = new FakeSink();
    const connection = new SseConnection(sink, {}, { maxQueue: 10 });
    connection.push(event(5)); // arrived while the backlog was read; also in the replay
    connection.push(event(6));
    assert.equal(sink.written, '', 'nothing before begin');
    connection.begin(3, [event(4), event(5)]);
    assert.deepEqual(sentIds(sink), [4, 5, 6]);
    connection.push(event(6));
    connection.push(event(7));
    assert.deepEqual(sentIds(sink), [4, 5, 6, 7], 'an id already sent is never sent again');
  });

  it('drops held events the client already has', () => {
    const sink = new FakeSink();
    const connection = new SseConnection(sink, {}, { maxQueue: 10 });
    connection.push(event(10));
    connection.push(event(11));
    connection.begin(10);
    assert.deepEqual(sentIds(sink), [10, 11], 'the position block, then only 11');
    assert.match(sink.written, /^id: 10\n\nid: 11\n/);
  });

  it('tells a live client it missed changes after what is queued, and goes on after the new position', () => {
    const sink = new FakeSink();
    const connection = new SseConnection(sink, {}, { maxQueue: 10, now: () => 5_000 });
    connection.begin(1);
    sink.backedUp = true;
    connection.push(event(2));
    connection.push(event(3));
    connection.missed(900);
    connection.push(event(900)); // at or before the new position: already reflected by the reload
    connection.push(event(901));
    sink.drain();
    assert.deepEqual(sentIds(sink), [1, 2, 3, 900, 901]);
    const frames = sink.written.split('\n\n');
    const resync = frames.findIndex((frame) => frame.includes('event: resync'));
    assert.ok(resync > frames.findIndex((frame) => frame.startsWith('id: 3\n')), 'after the events queued before it');
    assert.match(frames[resync]!, /^id: 900\nevent: resync\ndata: \{"type":"resync","at":5,"reason":"missed"/);
    assert.equal(sink.written.match(/id: 900\n/g)?.length, 1, 'event 900 itself is not sent');
  });

  it('applies its filter to replays and live events alike', () => {
    const sink = new FakeSink();
    const connection = new SseConnection(sink, { types: new Set(['user.online'] as const), userId: 'u2' }, { maxQueue: 10 });
    connection.begin(0, [
      event(1, { type: 'user.online', userId: 'u1', clientType: undefined }),
      event(2, { type: 'user.online', userId: 'u2', clientType: undefined }),
    ]);
    connection.push(event(3, { userId: 'u2' }));
    connection.push(event(4, { type: 'user.online', userId: 'u2', clientType: undefined }));
    assert.deepEqual(sentIds(sink), [2, 4]);
  });

  it('leaves user events out when filtering by client type', () => {
    const sink = new FakeSink();
    const connection = new SseConnection(sink, { clientTypes: new Set(['web'] as const) }, { maxQueue: 10 });
    connection.begin(0, []);
    connection.push(event(1));
    connection.push(event(2, { type: 'user.online', clientType: undefined }));
    connection.push(event(3, { clientType: 'representative' }));
    assert.deepEqual(sentIds(sink), [1]);
  });

  it('stops writing while the socket is backed up and goes on at drain, in order', () => {
    const sink = new FakeSink();
    const connection = new SseConnection(sink, {}, { maxQueue: 100 });
    connection.begin(0, []);
    sink.backedUp = true;
    connection.push(event(1));
    connection.push(event(2));
    connection.push(event(3));
    assert.deepEqual(sentIds(sink), [1], 'the write that backed up, then nothing');
    assert.equal(connection.queued, 2);
    connection.keepAlive();
    assert.doesNotMatch(sink.written, /keep-alive/, 'no keep-alive while data waits');
    sink.drain();
    assert.deepEqual(sentIds(sink), [1, 2, 3]);
    assert.equal(connection.queued, 0);
    connection.keepAlive();
    assert.match(sink.written, /: keep-alive\n\n$/);
  });

  it('tells a client that fell more than maxQueue events behind to resync, and closes', () => {
    const sink = new FakeSink();
    const connection = new SseConnection(sink, {}, { maxQueue: 3, now: () => 1_700_000_000_000 });
    connection.begin(0, []);
    sink.backedUp = true;
    for (let id = 1; id <= 5; id++) connection.push(event(id));
    assert.ok(connection.isClosed);
    assert.ok(sink.ended);
    const resync = sink.written.slice(sink.written.lastIndexOf('id: '));
    assert.equal(
      resync,
      `id: 5\nevent: resync\ndata: ${JSON.stringify({
        type: 'resync',
        at: 1_700_000_000,
        reason: 'slow_consumer',
        message: 'you fell too far behind and are disconnected: reload state from the API and reconnect',
      })}\n\n`,
    );
    const written = sink.written;
    connection.push(event(6));
    sink.drain();
    assert.equal(sink.written, written, 'nothing after closing');
  });

  it('counts held events against the same limit', () => {
    const sink = new FakeSink();
    const connection = new SseConnection(sink, {}, { maxQueue: 2 });
    for (let id = 1; id <= 3; id++) connection.push(event(id));
    assert.ok(connection.isClosed);
    assert.match(sink.written, /^id: 3\nevent: resync\n/);
  });

  it('resyncs a client whose position is gone, then goes on live after the newest id', () => {
    const sink = new FakeSink();
    const connection = new SseConnection(sink, {}, { maxQueue: 10 });
    connection.push(event(20));
    connection.push(event(21));
    connection.resync('too_old', 20);
    assert.match(sink.written, /^id: 20\nevent: resync\ndata: \{"type":"resync","at":\d+,"reason":"too_old","message":"[^"]+"\}\n\n/);
    assert.deepEqual(sentIds(sink), [20, 21]);
    assert.equal(connection.isClosed, false);
  });
});
