// The pure functions the stores and the core apply to a session's log and connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONNECTION_LIMIT, EVENT_LOG_LIMIT, sessionEvents, type NodeConnection } from '../../src/core/model.ts';
import { appendConnection, endedSession, expiryReason } from '../../src/core/session-events.ts';
import { makeSession } from '../helpers/sessions.ts';

const on = (nodeId: string, connectedSince: number): NodeConnection => ({
  nodeId,
  purpose: 'traffic',
  receiveTrafficNode: true,
  connectedSince,
});

test('a resume on another node adds it; a node returned to moves last; the oldest fall out beyond the limit', () => {
  const session = makeSession({ nodeId: 'a', startedAt: 1, connections: undefined });
  const onB = appendConnection(session, on('b', 2));
  assert.deepEqual(
    onB.map((c) => c.nodeId),
    ['a', 'b'],
    'the first connection is listed though the session kept none',
  );
  const backOnA = appendConnection({ ...session, connections: onB }, on('a', 3));
  assert.deepEqual(
    backOnA.map((c) => [c.nodeId, c.connectedSince]),
    [
      ['b', 2],
      ['a', 3],
    ],
  );
  let connections = backOnA;
  for (let n = 0; n < CONNECTION_LIMIT + 3; n++) connections = appendConnection({ ...session, connections }, on(`n${n}`, 10 + n));
  assert.equal(connections.length, CONNECTION_LIMIT);
  assert.equal(connections.at(-1)?.nodeId, `n${CONNECTION_LIMIT + 2}`);
});

test('an ended session closes its log, keeping the newest events', () => {
  const events = Array.from({ length: EVENT_LOG_LIMIT }, (_, n) => ({ at: n, kind: 'resumed' as const, text: `r${n}` }));
  const ended = endedSession(makeSession({ events }), 'ended_by_admin', 99, 'root');
  assert.equal(sessionEvents(ended).length, EVENT_LOG_LIMIT);
  assert.deepEqual(sessionEvents(ended).at(-1), { at: 99, kind: 'ended', text: 'Session ended: ended by admin by root' });
  assert.equal(sessionEvents(ended)[0]?.text, 'r1');
});

test('an expiry is expired for HTTP, connection_lost for a detached socket, ping_timeout for an attached one', () => {
  assert.equal(expiryReason(makeSession({ transport: 'http' })), 'expired');
  assert.equal(expiryReason(makeSession({ transport: 'websocket', detached: true })), 'connection_lost');
  assert.equal(expiryReason(makeSession({ transport: 'websocket', detached: false })), 'ping_timeout');
});
