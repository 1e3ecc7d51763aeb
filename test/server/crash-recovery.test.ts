// A single node killed with kill -9 and started again on its data dir: the sessions it had are
// announced ended (`node_lost`), and their users offline, once each, to webhooks, so that nobody who
// mirrors presence keeps them online forever. A later clean restart announces nothing more.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { keptForLife } from '../../src/history/sqlite/kept-for-life.ts';
import { startRollcallProcess, type RollcallProcess } from '../helpers/rollcall-process.ts';
import { waitFor } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { RawClient } from '../ingest/raw-ws-client.ts';
import { startReceiver, type Receiver } from '../webhooks/receiver.ts';

const INGEST_KEY = 'crash-ingest-key-0123456789abcdef';
const ADMIN_PASSWORD = 'crash-admin-password';
const ENV = {
  ROLLCALL_INGEST_KEY: INGEST_KEY,
  ROLLCALL_ADMIN_PASSWORD: ADMIN_PASSWORD,
  ROLLCALL_HISTORY_FLUSH_MS: '50',
  ROLLCALL_WEBHOOK_RETRY_BASE_MS: '50',
  ROLLCALL_LOG_LEVEL: 'warn',
};
const ingest = { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json' };
const admin = { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' };

interface Delivered {
  type: string;
  reason?: string;
  session?: { id: number; transport: string; hostname?: string; user: { id: string; name: string } };
  user?: { id: string };
}

describe('a node killed with kill -9', () => {
  let dir: string;
  let receiver: Receiver;
  let node: RollcallProcess | undefined;
  const sockets: RawClient[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rollcall-crash-'));
    receiver = await startReceiver();
  });
  after(async () => {
    for (const socket of sockets) socket.socket.terminate();
    await node?.crash();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = () => startRollcallProcess(['--data-dir', dir], ENV);
  const delivered = () => receiver.received.map((r) => r.json as Delivered);
  const openLog = () => {
    const db = keptForLife(new Database(join(dir, 'rollcall.db'), { readonly: true }));
    try {
      return (db.prepare('SELECT count(*) AS n FROM session_log WHERE ended_at IS NULL').get() as { n: number }).n;
    } finally {
      db.close();
    }
  };

  it('has its sessions announced ended (node_lost) and their users offline at its next start, once', async (t) => {
    node = await start();
    const created = await fetch(`${node.url}/v1/webhooks`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ url: receiver.url, events: ['session.ended', 'user.offline'], secret: 'crash-webhook-secret' }),
    });
    assert.equal(created.status, 201, await created.text());

    const ids: number[] = [];
    for (const userId of ['ann', 'ann']) {
      const answer: Response = await fetch(`${node.url}/v1/sessions`, {
        method: 'POST',
        headers: ingest,
        body: JSON.stringify(openBody({ user: { id: userId, name: 'Ann', type: 'staff' } })),
      });
      assert.equal(answer.status, 201);
      ids.push(((await answer.json()) as { id: number }).id);
    }
    const socket = new RawClient(node.url.replace('http', 'ws') + '/v1/connect', { headers: { authorization: ingest.authorization } });
    sockets.push(socket);
    await socket.opened();
    socket.send({ type: 'hello', session: { user: { id: 'bob', name: 'Bob', type: 'customer' }, clientType: 'web' } });
    ids.push(
      (await socket.next('welcome').catch((error: unknown) => assert.fail(`${String(error)}: ${JSON.stringify(socket.frames)}`)))
        .sessionId as number,
    );
    await waitFor(() => openLog() === 3, { what: 'three open rows in the session log' });

    await node.crash();
    assert.deepEqual(delivered(), [], 'nothing was announced by the node that died');

    node = await start();
    await waitFor(() => delivered().length >= 5, { timeoutMs: 10_000, what: 'the announcements after the restart' });
    const ended = delivered().filter((d) => d.type === 'session.ended');
    assert.deepEqual(
      ended.map((d) => d.session!.id).sort((a, b) => a - b),
      [...ids].sort((a, b) => a - b),
      'each lost session once',
    );
    assert.ok(ended.every((d) => d.reason === 'node_lost'));
    const bob = ended.find((d) => d.session!.user.id === 'bob')!;
    assert.equal(bob.session!.transport, 'websocket');
    assert.equal(bob.session!.user.name, 'Bob', 'the user as history knew them');
    const ann = ended.find((d) => d.session!.user.id === 'ann')!;
    assert.equal(ann.session!.hostname, 'jack-pc', 'the host name as the session log kept it');
    assert.deepEqual(
      delivered()
        .filter((d) => d.type === 'user.offline')
        .map((d) => d.user!.id)
        .sort(),
      ['ann', 'bob'],
      'each user offline once',
    );
    assert.equal(openLog(), 0);

    // A clean stop and start: nothing was left open, nothing more is announced.
    const count = delivered().length;
    assert.deepEqual(await node.stop(), { code: 0, signal: null });
    node = await start();
    // A probe session ended now: its delivery comes after anything a wrong announcement would have queued.
    const probe = await fetch(`${node.url}/v1/sessions`, {
      method: 'POST',
      headers: ingest,
      body: JSON.stringify(openBody({ user: { id: 'probe', name: 'Probe', type: 'staff' } })),
    });
    const probeId = ((await probe.json()) as { id: number }).id;
    assert.equal(
      (await fetch(`${node.url}/v1/sessions/${probeId}`, { method: 'DELETE', headers: { authorization: ingest.authorization } })).status,
      204,
    );
    await waitFor(() => delivered().some((d) => d.type === 'user.offline' && d.user?.id === 'probe'), { what: "the probe's deliveries" });
    assert.deepEqual(
      delivered()
        .slice(count)
        .map((d) => d.session?.id ?? d.user?.id)
        .sort(),
      [probeId, 'probe'].sort(),
      'nothing but the probe after the clean restart',
    );
    t.diagnostic(`announced after the restart: ${ended.length} session.ended, ${count - ended.length} user.offline`);
  });
});
