// Webhooks with three real rollcall processes sharing one PostgreSQL history: every change is enqueued
// once whichever node saw it, deliveries are claimed by one node at a time, and the deliveries a node
// held when it was killed with kill -9 are taken over by the others once their claims lapse.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { skipUnlessPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.ts';
import { startRollcallProcess, type RollcallProcess } from '../helpers/rollcall-process.ts';
import { waitFor } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const skip = skipUnlessPostgres();

const INGEST_KEY = 'cluster-ingest-key-0123456789abcdef';
const ADMIN_PASSWORD = 'cluster-admin-password';
/** Short, so a dead node's claims lapse within seconds: timeout + the worker's 1 s margin. */
const WEBHOOK_TIMEOUT_MS = 1_500;
const CONCURRENCY = 3;
const SESSIONS = 45;

const ingest = { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json' };
const admin = { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' };

interface OutboxRow {
  id: string;
  status: string;
  attempts: number;
  payload: string;
}

describe('webhooks across three nodes on one PostgreSQL history', { skip }, () => {
  let postgres: PostgresServer;
  let pool: pg.Pool;
  let receiver: Receiver;
  let dir: string;
  const nodes: RollcallProcess[] = [];

  before(async () => {
    postgres = await startPostgres();
    const { url } = await postgres.createDatabase();
    pool = new pg.Pool({ connectionString: url, max: 2 });
    receiver = await startReceiver();
    dir = mkdtempSync(join(tmpdir(), 'rollcall-cluster-'));
    const env = {
      ROLLCALL_HISTORY_STORE: 'postgres',
      ROLLCALL_DATABASE_URL: url,
      ROLLCALL_INGEST_KEY: INGEST_KEY,
      ROLLCALL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      ROLLCALL_WEBHOOK_TIMEOUT_MS: String(WEBHOOK_TIMEOUT_MS),
      ROLLCALL_WEBHOOK_RETRY_BASE_MS: '50',
      ROLLCALL_WEBHOOK_RETRY_MAX_MS: '200',
      ROLLCALL_WEBHOOK_CONCURRENCY: String(CONCURRENCY),
      ROLLCALL_LOG_LEVEL: 'warn',
    };
    // All three at once on an empty database: migrations and the first start must not trip each other.
    nodes.push(...(await Promise.all(['a', 'b', 'c'].map((name) => startRollcallProcess(['--data-dir', join(dir, name)], env)))));
  });

  after(async () => {
    for (const node of nodes) await node.crash();
    await receiver?.close();
    await pool?.end();
    await postgres?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const outbox = async () => (await pool.query<OutboxRow>('SELECT id, status, attempts, payload FROM webhook_deliveries')).rows;

  async function openSession(node: RollcallProcess, userId: string): Promise<void> {
    const answer = await fetch(`${node.url}/v1/sessions`, {
      method: 'POST',
      headers: ingest,
      body: JSON.stringify(openBody({ user: { id: userId, name: `User ${userId}`, type: 'staff' } })),
    });
    assert.equal(answer.status, 201, await answer.text());
  }

  it('enqueues each change once, and delivers every delivery even after a node holding claims is killed', async (t) => {
    assert.equal(new Set(nodes.map((node) => node.nodeId)).size, 3, 'three distinct nodes');
    assert.equal(
      nodes.filter((node) => /^First start/m.test(node.startOutput)).length,
      0,
      'the password was configured: no first start generated one',
    );

    const created = await fetch(`${nodes[0]!.url}/v1/webhooks`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ url: receiver.url, events: ['session.started', 'user.online'], secret: 'cluster-webhook-secret' }),
    });
    assert.equal(created.status, 201, await created.text());

    // Every node reads subscriptions from the shared history within a second: probe sessions on each
    // node until a delivery has come from all three.
    const nodeOf = (body: unknown) => (body as { session?: { nodeId?: string } }).session?.nodeId;
    let probe = 0;
    await waitFor(
      async () => {
        const seen = new Set(receiver.received.map((r) => nodeOf(r.json)));
        const missing = nodes.filter((node) => !seen.has(node.nodeId));
        for (const node of missing) await openSession(node, `probe-${probe++}`);
        return missing.length === 0;
      },
      { timeoutMs: 15_000, intervalMs: 300, what: 'every node to know the subscription' },
    );
    await waitFor(async () => (await outbox()).every((row) => row.status === 'delivered'), { what: 'the probes to be delivered' });

    // Now the receiver hangs, so every node's delivery slots fill with attempts in flight.
    receiver.behave('hang');
    const probes = (await outbox()).length;
    for (let i = 0; i < SESSIONS; i++) await openSession(nodes[i % 3]!, `user-${i}`);
    const expected = probes + SESSIONS * 2; // session.started and user.online for each new user
    await waitFor(async () => (await outbox()).length === expected, { timeoutMs: 10_000, what: `${expected} deliveries in the outbox` });
    await waitFor(() => receiver.open >= 3 * CONCURRENCY, { timeoutMs: 10_000, what: 'every node to hold its delivery slots' });

    const victim = nodes[2]!;
    const killedAt = Date.now();
    await victim.crash();
    receiver.behave({ status: 204 });

    // 0 lost: every delivery in the outbox is delivered by the two nodes left, the dead node's too.
    await waitFor(async () => (await outbox()).every((row) => row.status === 'delivered'), {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'every delivery to be delivered',
    });
    const takenOverMs = Date.now() - killedAt;

    const rows = await outbox();
    // 0 duplicated enqueues: one row per change and subscription.
    const changes = rows.map((row) => {
      const body = JSON.parse(row.payload) as { type: string; session?: { id: number }; user?: { id: string } };
      return `${body.type}:${body.session?.id ?? body.user?.id}`;
    });
    assert.equal(new Set(changes).size, rows.length, 'no change enqueued twice');
    assert.equal(rows.length, expected);
    const receivedIds = new Set(receiver.received.map((r) => r.json.deliveryId as string));
    assert.deepEqual([...receivedIds].sort(), rows.map((row) => row.id).sort(), 'the receiver got every delivery');
    const resent = receiver.received.length - receivedIds.size;
    t.diagnostic(
      `enqueued ${rows.length}, delivered ${rows.length}, lost 0, duplicate enqueues 0; ` +
        `requests received ${receiver.received.length} (${resent} resent: attempts cut off by the hang or the kill); ` +
        `all delivered ${takenOverMs} ms after the kill`,
    );
  });
});
