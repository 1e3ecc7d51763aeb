// PostgreSQL going away under a running server: ingest and health go on, history writes that fail
// are kept and written once the database is back, with nothing lost.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { skipUnlessPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';

const skip = skipUnlessPostgres();

describe('a PostgreSQL outage under a running server', { skip }, () => {
  let postgres: PostgresServer;
  let server: TestServer;
  before(async () => {
    postgres = await startPostgres();
    const { url } = await postgres.createDatabase();
    server = await startTestServer({ historyStore: 'postgres', databaseUrl: url, historyFlushMs: 50 });
  });
  after(async () => {
    await server?.close();
    await postgres?.stop();
  });

  const open = async (userId: string) => {
    const started = performance.now();
    const answer = await fetch(`${server.url}/v1/sessions`, {
      method: 'POST',
      headers: server.ingest,
      body: JSON.stringify(openBody({ user: { id: userId, name: `User ${userId}`, type: 'staff' } })),
    });
    const text = await answer.text();
    assert.equal(answer.status, 201, text);
    return { id: (JSON.parse(text) as { id: number }).id, ms: performance.now() - started };
  };

  it('keeps ingest and health answering while the database is down, and writes what waited once it is back', async () => {
    await open('before-outage'); // also reserves the node's first block of session ids
    await server.rollcall.presence.flushHistory();
    assert.ok(await server.rollcall.history.getUser('before-outage'));

    await postgres.crash();
    const during: number[] = [];
    for (let i = 0; i < 10; i++) {
      const { ms } = await open(`during-${i}`);
      during.push(ms);
      const health = await fetch(`${server.url}/healthz`);
      assert.equal(health.status, 200);
    }
    // The writer tried (every 50 ms) and failed: what it holds stays for the next try.
    await assert.rejects(server.rollcall.history.getUser('during-0'));

    await postgres.restart();
    for (let i = 0; i < 10; i++) {
      const user = await waitFor(() => server.rollcall.history.getUser(`during-${i}`).catch(() => undefined), {
        timeoutMs: 15_000,
        what: `during-${i} in history after the outage`,
      });
      assert.equal(user.user.name, `User during-${i}`);
      const log = await server.rollcall.history.listSessionLog({ userId: `during-${i}` });
      assert.equal(log.length, 1, `the session of during-${i} is in the log`);
    }
    assert.ok(Math.max(...during) < 1_000, `session opens during the outage took at most ${Math.max(...during).toFixed(0)} ms`);
  });
});
