// Webhooks in a Redis cluster of three real processes, one of them killed with kill -9 mid-way: every
// change of a subscribed type is enqueued exactly once, whichever node made it, those the dead node
// made just before it died and the node_lost ends of its sessions included.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { skipUnlessCluster, startClusterBackends, startClusterProcess, type ClusterBackends } from '../helpers/cluster.ts';
import { request } from '../helpers/http.ts';
import type { RollcallProcess } from '../helpers/rollcall-process.ts';
import { TEST_ADMIN_PASSWORD, TEST_INGEST_KEY, waitFor } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { RawClient } from '../ingest/raw-ws-client.ts';
import { SseClient } from '../stream/sse-client.ts';
import { startReceiver, type Receiver } from '../webhooks/receiver.ts';

const skip = skipUnlessCluster();
const admin = {
  authorization: `Basic ${Buffer.from(`admin:${TEST_ADMIN_PASSWORD}`).toString('base64')}`,
  'content-type': 'application/json',
};
const ingest = { authorization: `Bearer ${TEST_INGEST_KEY}`, 'content-type': 'application/json' };
const TYPES = ['session.started', 'session.ended', 'user.online', 'user.offline'];

describe('webhooks in a Redis cluster with a node killed', { skip }, () => {
  let backends: ClusterBackends;
  let pool: pg.Pool;
  let receiver: Receiver;
  let dir: string;
  const nodes: RollcallProcess[] = [];
  const clients: RawClient[] = [];

  before(async () => {
    backends = await startClusterBackends();
    pool = new pg.Pool({ connectionString: backends.databaseUrl, max: 2 });
    receiver = await startReceiver();
    dir = mkdtempSync(join(tmpdir(), 'rollcall-cluster-webhooks-'));
    for (const name of ['a', 'b', 'c'])
      nodes.push(await startClusterProcess(backends, join(dir, name), { ROLLCALL_WEBHOOK_RETRY_BASE_MS: '50' }));
  });

  after(async () => {
    for (const client of clients) client.socket.terminate();
    for (const node of nodes) await node.crash();
    await receiver?.close();
    await pool?.end();
    await backends?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const open = async (node: RollcallProcess, userId: string) => {
    const answer = await request(node.url, 'POST', '/v1/sessions', {
      headers: ingest,
      body: openBody({ user: { id: userId, name: userId, type: 'staff' } }),
    });
    assert.equal(answer.status, 201, answer.text);
    return answer.json.id as number;
  };
  const close = async (node: RollcallProcess, id: number) => {
    const answer = await request(node.url, 'DELETE', `/v1/sessions/${id}`, { headers: { authorization: ingest.authorization } });
    assert.equal(answer.status, 204, answer.text);
  };
  const eventIdsInOutbox = async () =>
    (await pool.query<{ payload: string }>('SELECT payload FROM webhook_deliveries')).rows.map(
      (row) => (JSON.parse(row.payload) as { eventId: number }).eventId,
    );

  it('enqueues every change once: 0 duplicates, 0 missing', async (t) => {
    const [a, b, c] = nodes as [RollcallProcess, RollcallProcess, RollcallProcess];
    const created = await request(a.url, 'POST', '/v1/webhooks', {
      headers: admin,
      body: { url: receiver.url, events: TYPES, secret: 'cluster-webhook-secret' },
    });
    assert.equal(created.status, 201, created.text);
    // Node a, which survives, knows the subscription at once (the others within a second): every
    // change reaches a's outbox writer, so none can be missing, whichever node made it.
    // The stream of a node that survives is the record of what happened.
    const record = await SseClient.connect(`${a.url}/v1/events?types=${TYPES.join(',')}`, admin);

    for (let n = 0; n < 10; n++) {
      const client = new RawClient(`${c.url.replace('http', 'ws')}/v1/connect`, { headers: { authorization: ingest.authorization } });
      clients.push(client);
      await client.opened();
      client.send({ type: 'hello', session: openBody({ user: { id: `socket-${n}`, name: `S${n}`, type: 'staff' } }) });
      await client.next('welcome');
    }
    const ids: number[] = [];
    for (let n = 0; n < 15; n++) ids.push(await open(nodes[n % 3]!, `http-${n % 5}`));
    // The last changes c makes are appended to the cluster's stream just before it dies.
    await Promise.all([open(c, 'last-words-1'), open(c, 'last-words-2')]);
    await c.crash();
    for (const [n, id] of ids.entries()) await close(nodes[n % 2]!, id);
    await open(b, 'after-the-kill');

    const expected =
      10 * 2 + // the sockets' sessions started, their users online
      15 +
      5 + // the HTTP sessions started, their five users online
      2 * 2 + // the last words, and their users
      10 * 2 + // the sockets' sessions ended (node_lost) once c was found silent, their users offline
      15 +
      5 + // the HTTP sessions ended, their users offline
      2; // after the kill
    await record.waitForEvents(expected, `${expected} changes on the record`);
    const recorded = record.events().map((event) => Number(event.id));
    assert.equal(record.events().filter((event) => event.json.reason === 'node_lost').length, 10);
    record.close();
    await waitFor(async () => (await eventIdsInOutbox()).length >= recorded.length, {
      timeoutMs: 10_000,
      what: 'every change in the outbox',
    });
    // Whatever a slow node would still enqueue arrives within its flush interval.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const enqueued = await eventIdsInOutbox();
    assert.equal(new Set(enqueued).size, enqueued.length, '0 duplicates: one delivery per change');
    assert.deepEqual(
      [...enqueued].sort((x, y) => x - y),
      [...recorded].sort((x, y) => x - y),
      '0 missing: every change of the record, nothing else',
    );
    t.diagnostic(`changes ${recorded.length}, deliveries enqueued ${enqueued.length}, duplicates 0, missing 0`);
  });
});
