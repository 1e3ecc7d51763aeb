// A node of a three-node cluster killed with kill -9: the sessions of its sockets end with reason
// node_lost, announced once on the stream of every other node, while its HTTP sessions (not tied to a
// process) live on; a node restarted on the same data dir ends what its sockets held before.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipUnlessCluster, startClusterBackends, startClusterProcess, type ClusterBackends } from '../helpers/cluster.ts';
import { request } from '../helpers/http.ts';
import type { RollcallProcess } from '../helpers/rollcall-process.ts';
import { TEST_ADMIN_PASSWORD, TEST_INGEST_KEY, waitFor } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { RawClient } from '../ingest/raw-ws-client.ts';
import { SseClient } from '../stream/sse-client.ts';

const skip = skipUnlessCluster();
const admin = { authorization: `Basic ${Buffer.from(`admin:${TEST_ADMIN_PASSWORD}`).toString('base64')}` };
const ingest = { authorization: `Bearer ${TEST_INGEST_KEY}`, 'content-type': 'application/json' };
const SOCKETS = 20;

describe('a node killed with kill -9', { skip }, () => {
  let backends: ClusterBackends;
  let dir: string;
  const nodes: RollcallProcess[] = [];
  const clients: RawClient[] = [];

  before(async () => {
    backends = await startClusterBackends();
    dir = mkdtempSync(join(tmpdir(), 'rollcall-node-loss-'));
    for (const name of ['a', 'b', 'c']) nodes.push(await startClusterProcess(backends, join(dir, name)));
  });

  after(async () => {
    for (const client of clients) client.socket.terminate();
    for (const node of nodes) await node.crash();
    await backends?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ends its sockets’ sessions with node_lost once, cluster-wide, and keeps its HTTP sessions', async (t) => {
    const [a, b, c] = nodes as [RollcallProcess, RollcallProcess, RollcallProcess];
    const watchers = [
      await SseClient.connect(`${a.url}/v1/events?types=session.ended`, admin),
      await SseClient.connect(`${b.url}/v1/events?types=session.ended`, admin),
    ];
    const socketIds: number[] = [];
    for (let n = 0; n < SOCKETS; n++) {
      const client = new RawClient(`${c.url.replace('http', 'ws')}/v1/connect`, { headers: { authorization: ingest.authorization } });
      clients.push(client);
      await client.opened();
      client.send({ type: 'hello', session: openBody({ user: { id: `socket-${n}`, name: `Socket ${n}`, type: 'staff' } }) });
      socketIds.push((await client.next('welcome')).sessionId as number);
    }
    const http = await request(c.url, 'POST', '/v1/sessions', {
      headers: ingest,
      body: openBody({ user: { id: 'http-user', name: 'H', type: 'staff' } }),
    });
    assert.equal(http.status, 201);
    const httpId = http.json.id as number;
    await waitFor(async () => (await request(a.url, 'GET', '/v1/stats', { headers: admin })).json.sessions?.total === SOCKETS + 1, {
      what: 'every session on node a',
    });

    const killedAt = Date.now();
    await c.crash();
    for (const watcher of watchers) await watcher.waitForEvents(SOCKETS, `${SOCKETS} ends`);
    const tookMs = Date.now() - killedAt;
    for (const watcher of watchers) {
      const ends = watcher.events();
      assert.deepEqual(
        ends.map((e) => e.json.session.id).sort((x: number, y: number) => x - y),
        [...socketIds].sort((x, y) => x - y),
        'each socket session ended once',
      );
      assert.ok(ends.every((e) => e.json.reason === 'node_lost'));
      watcher.close();
    }
    // Announced once: no node ends a session another already ended.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(watchers[0]!.events().length, SOCKETS);
    const httpSession = await request(b.url, 'GET', `/v1/sessions/${httpId}`, { headers: admin });
    assert.equal(httpSession.status, 200, 'an HTTP session does not die with the node that took it');
    const stats = await request(a.url, 'GET', '/v1/stats', { headers: admin });
    assert.equal(stats.json.sessions.total, 1, 'only the HTTP session is left');
    t.diagnostic(`${SOCKETS} socket sessions of a killed node ended (node_lost) ${tookMs} ms after kill -9`);
  });
});
