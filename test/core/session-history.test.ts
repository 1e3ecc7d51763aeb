// sessionHistoryPage: a user's sessions from the session log, completed with this node's writes that
// wait for the next batch and with live sessions whose start is not logged yet; pages that start after
// a position and say whether more follow.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { endEntry, sessionHistoryPage, startEntry } from '../../src/core/session-history.ts';
import type { SessionLogEntry, SessionLogWrite } from '../../src/history/history-store.ts';
import type { EndReason } from '../../src/core/model.ts';
import { makeSession } from '../helpers/sessions.ts';

const logged = (sessionId: number, startedAt: number, more: Partial<SessionLogEntry> = {}): SessionLogEntry => ({
  sessionId,
  userId: 'u1',
  clientType: 'web',
  nodeId: 'node-a',
  remoteAddress: '192.0.2.7',
  startedAt,
  ...more,
});
/** A node's end write: the whole line. */
const ended = (
  sessionId: number,
  startedAt: number,
  endedAt: number,
  endReason: EndReason,
  more: Partial<SessionLogEntry> = {},
): SessionLogWrite => ({
  op: 'end',
  entry: { ...logged(sessionId, startedAt, more), endedAt, endReason },
});
const ids = (page: { entries: { sessionId: number }[] }) => page.entries.map((e) => e.sessionId);

describe('sessionHistoryPage', () => {
  it('answers the log newest first, with the next position when more follow', () => {
    const page = sessionHistoryPage({
      userId: 'u1',
      limit: 2,
      logged: [logged(3, 300), logged(2, 200), logged(1, 100)],
      pending: [],
      live: [],
    });
    assert.deepEqual(ids(page), [3, 2]);
    assert.deepEqual(page.next, { startedAt: 200, sessionId: 2 });
    assert.ok(page.entries.every((e) => e.live === false));
    const last = sessionHistoryPage({ userId: 'u1', limit: 2, logged: [logged(1, 100)], pending: [], live: [] });
    assert.equal(last.next, undefined);
  });

  it("adds this node's unwritten starts of the user, and their ends or those of logged sessions (the first end wins)", () => {
    const pending: SessionLogWrite[] = [
      { op: 'start', entry: logged(5, 500) },
      { op: 'start', entry: logged(6, 600, { userId: 'someone-else' }) },
      ended(5, 500, 550, 'closed'),
      ended(2, 200, 700, 'ended_by_admin', { endedBy: 'alice' }),
      ended(2, 200, 800, 'expired'),
      // Logged ended already: the log's end stays.
      ended(1, 100, 900, 'expired'),
    ];
    const page = sessionHistoryPage({
      userId: 'u1',
      limit: 10,
      logged: [logged(2, 200), logged(1, 100, { endedAt: 150, endReason: 'closed' })],
      pending,
      live: [],
    });
    assert.deepEqual(page.entries, [
      { ...logged(5, 500), endedAt: 550, endReason: 'closed', live: false },
      { ...logged(2, 200), endedAt: 700, endReason: 'ended_by_admin', endedBy: 'alice', live: false },
      { ...logged(1, 100), endedAt: 150, endReason: 'closed', live: false },
    ]);
  });

  it('makes an end’s whole line: the start’s, with the end, and no endedBy unless an admin ended it', () => {
    const session = makeSession({ id: 4, user: { id: 'u1', name: 'U', type: 'staff' }, startedAt: 400, hostname: 'pc' });
    const closed = endEntry(session, { endedAt: 450, endReason: 'closed' });
    assert.deepEqual(closed, { ...startEntry(session), endedAt: 450, endReason: 'closed' });
    assert.ok(!('endedBy' in closed));
    assert.equal(endEntry(session, { endedAt: 460, endReason: 'ended_by_admin', endedBy: 'ops' }).endedBy, 'ops');
  });

  it('lists an unwritten end whose start another node has not written yet, with its end, for that user only', () => {
    const page = sessionHistoryPage({
      userId: 'u1',
      limit: 10,
      logged: [logged(1, 100)],
      pending: [ended(3, 300, 350, 'connection_lost'), ended(4, 400, 450, 'closed', { userId: 'u2' })],
      live: [],
    });
    assert.deepEqual(page.entries, [
      { ...logged(3, 300), endedAt: 350, endReason: 'connection_lost', live: false },
      { ...logged(1, 100), live: false },
    ]);
  });

  it('adds live sessions not logged yet, marks live ones by id and start (ids wrap), and never lists a session twice', () => {
    const now = makeSession({ id: 7, user: { id: 'u1', name: 'U', type: 'staff' }, startedAt: 700, hostname: 'pc' });
    const logged7 = makeSession({ id: 8, user: { id: 'u1', name: 'U', type: 'staff' }, startedAt: 800 });
    const page = sessionHistoryPage({
      userId: 'u1',
      limit: 10,
      // Session 7 of long ago ended; the live 7 is another session with the same id.
      logged: [startEntry(logged7), logged(7, 100, { endedAt: 200, endReason: 'closed' })],
      pending: [{ op: 'start', entry: startEntry(logged7) }],
      live: [now, logged7],
    });
    assert.deepEqual(
      page.entries.map((e) => [e.sessionId, e.startedAt, e.live, e.hostname]),
      [
        [8, 800, true, undefined],
        [7, 700, true, 'pc'],
        [7, 100, false, undefined],
      ],
    );
  });

  it('keeps to the page: only entries after the position, however they are known', () => {
    const live = [makeSession({ id: 9, user: { id: 'u1', name: 'U', type: 'staff' }, startedAt: 900 })];
    const pending: SessionLogWrite[] = [
      { op: 'start', entry: logged(4, 400) },
      { op: 'start', entry: logged(8, 300) },
    ];
    const page = sessionHistoryPage({
      userId: 'u1',
      after: { startedAt: 300, sessionId: 8 },
      limit: 2,
      logged: [logged(6, 300), logged(2, 200), logged(1, 100)],
      pending,
      live,
    });
    assert.deepEqual(ids(page), [6, 2]);
    assert.deepEqual(page.next, { startedAt: 200, sessionId: 2 });
  });
});
