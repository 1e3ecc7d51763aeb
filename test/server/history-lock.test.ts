// Another process holding the SQLite write lock (a CLI command, a backup, a stray second server) must
// not stall this one: health and ingest keep answering while history writes wait, and what waited is
// written once the lock is released.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';

const root = join(import.meta.dirname, '..', '..');

/**
 * Another process that takes the write lock and holds it until its stdin closes, or for 20 s at most
 * (so a failed test never leaves it behind). Resolves once it says it holds the lock.
 */
async function holdWriteLock(path: string): Promise<ChildProcess> {
  const script = `
    import Database from 'better-sqlite3';
    const db = new Database(${JSON.stringify(path)});
    // Statements stay referenced until exit, as src/history/sqlite/kept-for-life.ts explains (Node 24).
    const begin = db.prepare('BEGIN IMMEDIATE');
    const insert = db.prepare("INSERT INTO settings (key, value) VALUES ('held-by', 'other process') ON CONFLICT (key) DO NOTHING");
    const commit = db.prepare('COMMIT');
    begin.run();
    insert.run();
    process.stdout.write('locked\\n');
    const release = () => { commit.run(); db.close(); process.exit(0); };
    process.stdin.on('end', release);
    process.stdin.resume();
    setTimeout(release, 20_000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
  const [first] = (await Promise.race([once(child.stdout!, 'data'), once(child, 'exit')])) as [Buffer | number];
  assert.ok(Buffer.isBuffer(first) && first.toString().startsWith('locked'), 'the other process took the lock');
  return child;
}

async function release(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.stdin!.end();
  await exited;
}

async function timed(request: () => Promise<Response>): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const response = await request();
  await response.arrayBuffer();
  return { ms: performance.now() - started, status: response.status };
}

describe('a history lock held by another process', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ historyFlushMs: 50 });
    // The node's first block of session ids is reserved (a history write) at its first session.
    const first = await fetch(`${server.url}/v1/sessions`, { method: 'POST', headers: server.ingest, body: JSON.stringify(openBody()) });
    assert.equal(first.status, 201);
  });
  after(async () => {
    await server.close();
  });

  it('leaves /healthz and ingest answering while history writes wait, and loses nothing', async () => {
    const holder = await holdWriteLock(server.rollcall.dataDir.sqlitePath);
    try {
      // A session whose start and user must reach history: the writer's flushes now meet the lock.
      const opened = await fetch(`${server.url}/v1/sessions`, {
        method: 'POST',
        headers: server.ingest,
        body: JSON.stringify(openBody({ user: { id: 'locked-out', name: 'Waits', type: 'staff' } })),
      });
      assert.equal(opened.status, 201);
      const flush = server.rollcall.presence.flushHistory();

      // Before this was fixed, each flush held the only thread in SQLite's busy wait for 5 s.
      const health: number[] = [];
      const ingest: number[] = [];
      for (let i = 0; i < 20; i++) {
        const probe = await timed(() => fetch(`${server.url}/healthz`));
        assert.equal(probe.status, 200);
        health.push(probe.ms);
        const session = await timed(() =>
          fetch(`${server.url}/v1/sessions`, {
            method: 'POST',
            headers: server.ingest,
            body: JSON.stringify(openBody({ user: { id: `u${i}`, name: 'U', type: 'staff' } })),
          }),
        );
        assert.equal(session.status, 201);
        ingest.push(session.ms);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // The bound: /healthz within 100 ms while the lock is held.
      assert.ok(Math.max(...health) < 100, `slowest /healthz ${Math.max(...health).toFixed(1)} ms`);
      assert.ok(Math.max(...ingest) < 100, `slowest session open ${Math.max(...ingest).toFixed(1)} ms`);
      assert.equal(await server.rollcall.history.getUser('locked-out'), undefined, 'nothing written while the lock is held');

      await release(holder);
      await flush;
      const user = await waitFor(() => server.rollcall.history.getUser('locked-out'), { what: 'the waiting write' });
      assert.equal(user.user.name, 'Waits');
      const log = await server.rollcall.history.listSessionLog({ userId: 'locked-out' });
      assert.equal(log.length, 1, 'the session start was logged');
    } finally {
      if (holder.exitCode === null) await release(holder);
    }
  });
});
