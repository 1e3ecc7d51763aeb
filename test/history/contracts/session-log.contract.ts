// The SessionLog contract: starts (with host name and agent), ends (the first one wins), a node's open
// rows, listings and their pages.
// Run against every implementation by describeHistoryStoreContract (../history-store.contract.ts).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EndReason } from '../../../src/core/model.ts';
import type { SessionLog, SessionLogEntry, SessionLogPosition, SessionLogWrite } from '../../../src/history/history-store.ts';
import { freshStorePerTest, rejectsWith, type OpenStore } from './common.ts';

export function describeSessionLogContract(name: string, open: OpenStore<SessionLog>): void {
  describe(`SessionLog contract: ${name}`, () => {
    let store: SessionLog;
    freshStorePerTest(open, (opened) => (store = opened));

    const start = (sessionId: number, startedAt: number, userId = 'u1'): SessionLogWrite => ({
      op: 'start',
      entry: { sessionId, userId, clientType: 'web', nodeId: 'node-a', remoteAddress: '192.0.2.7', startedAt },
    });
    const entryOf = (write: SessionLogWrite): SessionLogEntry => ({ ...write.entry });
    /** The end of the session `started` logs, as a node writes it: the whole line. */
    const end = (started: SessionLogWrite, endedAt: number, endReason: EndReason, endedBy?: string): SessionLogWrite => ({
      op: 'end',
      entry: { ...started.entry, endedAt, endReason, ...(endedBy !== undefined && { endedBy }) },
    });

    describe('session log', () => {
      it('ends the open rows of one node only, keeping ends already written, and answers the rows it ended', async () => {
        const start = (sessionId: number, nodeId: string): SessionLogWrite => ({
          op: 'start',
          entry: { sessionId, userId: 'u9', clientType: 'web', nodeId, remoteAddress: '127.0.0.1', startedAt: 1_000 + sessionId },
        });
        const viaSocket = start(2, 'crashed');
        if (viaSocket.op === 'start') viaSocket.entry.transport = 'websocket';
        await store.appendSessionLog([start(1, 'crashed'), viaSocket, start(3, 'other'), start(4, 'crashed')]);
        await store.appendSessionLog([end(start(4, 'crashed'), 2_000, 'closed')]);
        const ended = await store.endOpenSessions('crashed', 9_000, 'node_lost');
        assert.deepEqual(
          [...ended].sort((a, b) => a.sessionId - b.sessionId),
          [
            {
              sessionId: 1,
              userId: 'u9',
              clientType: 'web',
              nodeId: 'crashed',
              remoteAddress: '127.0.0.1',
              startedAt: 1_001,
              endedAt: 9_000,
              endReason: 'node_lost',
            },
            {
              sessionId: 2,
              userId: 'u9',
              clientType: 'web',
              transport: 'websocket',
              nodeId: 'crashed',
              remoteAddress: '127.0.0.1',
              startedAt: 1_002,
              endedAt: 9_000,
              endReason: 'node_lost',
            },
          ],
        );
        const byId = new Map((await store.listSessionLog({ userId: 'u9' })).map((e) => [e.sessionId, e]));
        assert.equal(byId.get(1)?.endReason, 'node_lost');
        assert.equal(byId.get(2)?.endedAt, 9_000);
        assert.equal(byId.get(3)?.endReason, undefined, "another node's sessions stay open");
        assert.equal(byId.get(4)?.endReason, 'closed');
        assert.deepEqual(await store.endOpenSessions('crashed', 9_500, 'node_lost'), []);
      });

      it('logs a start and completes it with its end', async () => {
        const entry: SessionLogEntry = {
          sessionId: 7,
          userId: 'u1',
          clientType: 'representative',
          nodeId: 'node-a',
          remoteAddress: '2001:db8::1',
          startedAt: 1_000,
        };
        await store.appendSessionLog([{ op: 'start', entry }]);
        const logged = await store.listSessionLog();
        assert.deepEqual(logged, [entry]);
        for (const field of ['endedAt', 'endReason', 'endedBy']) assert.ok(!(field in logged[0]!), `no ${field} key`);

        await store.appendSessionLog([end({ op: 'start', entry }, 5_000, 'ended_by_admin', 'alice')]);
        assert.deepEqual(await store.listSessionLog(), [{ ...entry, endedAt: 5_000, endReason: 'ended_by_admin', endedBy: 'alice' }]);
      });

      it('takes a start and its end in one batch', async () => {
        await store.appendSessionLog([start(1, 100), end(start(1, 100), 200, 'closed')]);
        const [entry] = await store.listSessionLog();
        assert.equal(entry?.endedAt, 200);
        assert.equal(entry?.endReason, 'closed');
        assert.ok(entry && !('endedBy' in entry));
      });

      it('ends only the row with the same session id and start time (ids wrap)', async () => {
        await store.appendSessionLog([start(5, 100), start(5, 900)]);
        await store.appendSessionLog([end(start(5, 100), 150, 'expired')]);
        const log = await store.listSessionLog();
        assert.deepEqual(
          log.map((e) => [e.sessionId, e.startedAt, e.endedAt]),
          [
            [5, 900, undefined],
            [5, 100, 150],
          ],
        );
      });

      it('keeps the first end of a session', async () => {
        await store.appendSessionLog([start(3, 100)]);
        await store.appendSessionLog([end(start(3, 100), 200, 'ended_by_admin', 'bob')]);
        await store.appendSessionLog([end(start(3, 100), 300, 'connection_lost')]);
        const [entry] = await store.listSessionLog();
        assert.deepEqual([entry?.endedAt, entry?.endReason, entry?.endedBy], [200, 'ended_by_admin', 'bob']);
      });

      it('keeps an end written before its start, and the start completes that row without undoing the end', async () => {
        // In a cluster the node that ended a session may write before the node that opened it.
        const opened: SessionLogWrite = {
          op: 'start',
          entry: { ...entryOf(start(9, 100)), nodeId: 'node-a', remoteAddress: '192.0.2.7', hostname: 'jack-pc' },
        };
        const seenAtEnd: SessionLogWrite = { op: 'start', entry: { ...opened.entry, nodeId: 'node-b', remoteAddress: '192.0.2.8' } };
        await store.appendSessionLog([end(seenAtEnd, 400, 'connection_lost')]);
        assert.deepEqual(await store.listSessionLog(), [{ ...seenAtEnd.entry, endedAt: 400, endReason: 'connection_lost' }]);
        await store.appendSessionLog([opened]);
        assert.deepEqual(await store.listSessionLog(), [{ ...opened.entry, endedAt: 400, endReason: 'connection_lost' }]);
        assert.deepEqual(await store.endOpenSessions('node-a', 900, 'node_lost'), [], 'the row is ended already');
      });

      it('keeps an end and its later start in one batch, and a second end of the same batch changes nothing', async () => {
        await store.appendSessionLog([end(start(8, 100), 300, 'expired'), end(start(8, 100), 350, 'closed'), start(8, 100)]);
        const log = await store.listSessionLog();
        assert.deepEqual(log, [{ ...entryOf(start(8, 100)), endedAt: 300, endReason: 'expired' }]);
      });

      it('keeps one row when a start is written again, without undoing its end', async () => {
        await store.appendSessionLog([start(4, 100)]);
        await store.appendSessionLog([end(start(4, 100), 200, 'closed')]);
        await store.appendSessionLog([start(4, 100)]);
        const log = await store.listSessionLog();
        assert.equal(log.length, 1);
        assert.equal(log[0]?.endedAt, 200);
      });

      it('accepts an empty batch', async () => {
        await store.appendSessionLog([]);
        assert.deepEqual(await store.listSessionLog(), []);
      });

      it("lists one user's sessions newest first", async () => {
        await store.appendSessionLog([start(1, 100, 'u1'), start(2, 300, 'u2'), start(3, 200, 'u1'), start(4, 400, 'u1')]);
        assert.deepEqual(
          (await store.listSessionLog({ userId: 'u1' })).map((e) => [e.sessionId, e.userId]),
          [
            [4, 'u1'],
            [3, 'u1'],
            [1, 'u1'],
          ],
        );
        assert.deepEqual(
          (await store.listSessionLog()).map((e) => e.sessionId),
          [4, 2, 3, 1],
        );
        assert.deepEqual(await store.listSessionLog({ userId: 'nobody' }), []);
      });

      it('keeps the host name and agent names of a start, and leaves out what a start does not give', async () => {
        const withBoth: SessionLogEntry = {
          ...entryOf(start(1, 100)),
          hostname: 'jack-pc',
          agent: { browser: 'Chrome 134', os: 'Windows 11' },
        };
        const browserOnly: SessionLogEntry = { ...entryOf(start(2, 200)), agent: { browser: 'curl 8' } };
        const osOnly: SessionLogEntry = { ...entryOf(start(3, 300)), hostname: 'kiosk', agent: { os: 'Linux' } };
        const neither = entryOf(start(4, 400));
        await store.appendSessionLog([withBoth, browserOnly, osOnly, neither].map((entry) => ({ op: 'start', entry })));
        await store.appendSessionLog([end({ op: 'start', entry: withBoth }, 150, 'closed')]);
        const log = await store.listSessionLog();
        assert.deepEqual(log, [neither, osOnly, browserOnly, { ...withBoth, endedAt: 150, endReason: 'closed' }]);
        assert.ok(!('hostname' in log[0]!) && !('agent' in log[0]!));
        assert.ok(!('os' in log[2]!.agent!) && !('browser' in log[1]!.agent!));
      });

      it("pages a user's sessions newest first by start, then session id, with no gap or repeat while sessions start", async () => {
        // 25 sessions of u1, three to a millisecond, their ids out of start order; u2's in between.
        const mine = Array.from({ length: 25 }, (_, i) => start(1_000 + ((i * 7) % 25), 5_000 + Math.floor(i / 3), 'u1'));
        const theirs = Array.from({ length: 10 }, (_, i) => start(2_000 + i, 5_000 + i, 'u2'));
        await store.appendSessionLog([...theirs, ...mine]);
        const expected = mine.map(entryOf).sort((a, b) => b.startedAt - a.startedAt || b.sessionId - a.sessionId);

        const paged: SessionLogEntry[] = [];
        let after: SessionLogPosition | undefined;
        let newId = 9_000;
        for (let pages = 0; pages < 20; pages++) {
          const page = await store.listSessionLog({ userId: 'u1', limit: 4, ...(after && { after }) });
          paged.push(...page);
          if (page.length < 4) break;
          const last = page.at(-1)!;
          after = { startedAt: last.startedAt, sessionId: last.sessionId };
          // Sessions start between pages: later ones, and one in the newest millisecond with a higher id.
          await store.appendSessionLog([start(newId++, 6_000 + pages, 'u1'), start(newId++, 5_008, 'u1'), start(newId++, 5_004, 'u2')]);
        }
        assert.deepEqual(paged, expected, 'every session once, in order; none that started meanwhile');
        assert.deepEqual(await store.listSessionLog({ userId: 'u1', after: { startedAt: 0, sessionId: 0 } }), []);
      });

      it('pages the whole log the same way', async () => {
        await store.appendSessionLog([start(3, 100), start(1, 100, 'u2'), start(2, 100), start(9, 50, 'u3'), start(4, 200)]);
        const first = await store.listSessionLog({ limit: 2 });
        assert.deepEqual(
          first.map((e) => [e.sessionId, e.startedAt]),
          [
            [4, 200],
            [3, 100],
          ],
        );
        const rest = await store.listSessionLog({ after: { startedAt: 100, sessionId: 3 } });
        assert.deepEqual(
          rest.map((e) => [e.sessionId, e.startedAt]),
          [
            [2, 100],
            [1, 100],
            [9, 50],
          ],
        );
      });

      it('refuses a position that is not two integers', async () => {
        await rejectsWith(store.listSessionLog({ after: { startedAt: 1.5, sessionId: 1 } }), 'invalid_parameter');
        await rejectsWith(store.listSessionLog({ userId: 'u1', after: { startedAt: 1, sessionId: Number.NaN } }), 'invalid_parameter');
      });

      it('answers the 100 newest by default and honours a limit', async () => {
        const writes = Array.from({ length: 120 }, (_, i) => start(i + 1, 1_000 + i));
        await store.appendSessionLog(writes);
        const all = await store.listSessionLog();
        assert.equal(all.length, 100);
        assert.equal(all[0]?.sessionId, 120);
        assert.equal(all[99]?.sessionId, 21);
        assert.deepEqual(
          (await store.listSessionLog({ userId: 'u1', limit: 3 })).map((e) => e.sessionId),
          [120, 119, 118],
        );
        assert.equal((await store.listSessionLog({ limit: 500 })).length, 120);
      });
    });
  });
}
