// Moving a single node's SQLite history into PostgreSQL: everything read back through the PostgreSQL
// store equals what the SQLite store answers, ids go on after the copied ones, and a database that is
// not empty is refused without a change.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { isRollcallError } from '../../src/core/errors.ts';
import type { HistoryStore } from '../../src/history/history-store.ts';
import { migratePostgres } from '../../src/history/postgres/migrate.ts';
import { createPostgresPool } from '../../src/history/postgres/open-postgres.ts';
import { PostgresHistoryStore } from '../../src/history/postgres/postgres-history-store.ts';
import { openSqliteDatabase } from '../../src/history/sqlite/open-sqlite.ts';
import { SqliteHistoryStore } from '../../src/history/sqlite/sqlite-history-store.ts';
import { copySqliteToPostgres, HISTORY_TABLES } from '../../src/history/transfer/sqlite-to-postgres.ts';
import { skipUnlessPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.ts';

const skip = skipUnlessPostgres();

/** A single node's history with every kind of record, in every state a record can be in. */
async function fillHistory(store: HistoryStore): Promise<void> {
  const ops = await store.createAccount({ username: 'ops', role: 'admin', passwordHash: 'scrypt$ops' });
  const gone = await store.createAccount({ username: 'gone', role: 'reader', passwordHash: 'scrypt$gone' });
  await store.createAccount({ username: 'eye', role: 'reader', passwordHash: 'scrypt$eye', commandPermission: 'deny' });
  await store.createApiKey({
    kind: 'ingest',
    accountId: ops.id,
    prefix: 'rc_in_aaaa',
    hash: 'a'.repeat(64),
    label: 'generated on first start',
  });
  await store.createApiKey({ kind: 'api', accountId: gone.id, userId: 'u7', prefix: 'rc_api_bbbb', hash: 'b'.repeat(64) });
  const revoked = await store.createApiKey({ kind: 'api', accountId: ops.id, prefix: 'rc_api_cccc', hash: 'c'.repeat(64) });
  await store.revokeApiKey(revoked.id);
  await store.removeAccount('gone'); // its key stays listed, revoked

  await store.createApiClient({ id: 'monitor', permission: 'read_only', secretHash: 'secret-monitor', label: 'status page' });
  await store.createApiClient({ id: 'old', permission: 'full', secretHash: 'secret-old' });
  const now = Date.now();
  for (const n of [1, 2]) {
    await store.issueOAuthToken(
      { clientId: 'monitor', secretHash: 'secret-monitor', tokenHash: `token-${n}`, issuedAt: now + n, expiresAt: now + 3_600_000 },
      30,
    );
  }
  await store.revokeApiClient('old');

  await store.recordUsers(
    Array.from({ length: 1_200 }, (_, i) => ({
      user: { id: `u${i}`, name: `User ${i}`, type: i % 2 ? 'staff' : 'customer', ...(i % 3 === 0 && { email: `u${i}@example.test` }) },
      lastSeenAt: now - i * 1_000,
      ...(i % 5 === 0 && { lastView: { m: 'support', v: 'getticket', t: `ticketid|${i}` } }),
    })),
  );
  await store.appendSessionLog(
    Array.from({ length: 700 }, (_, i) => ({
      op: 'start' as const,
      entry: {
        sessionId: i + 1,
        userId: `u${i % 50}`,
        clientType: 'web' as const,
        nodeId: i % 2 ? 'node-a' : 'node-b',
        remoteAddress: '192.0.2.1',
        ...(i % 3 === 0 && { hostname: `host-${i}`, agent: { browser: 'Firefox 128', ...(i % 2 === 0 && { os: 'Linux' }) } }),
        startedAt: now - 100_000 + i,
      },
    })),
  );
  await store.appendSessionLog([
    {
      op: 'end',
      entry: {
        sessionId: 1,
        userId: 'u0',
        clientType: 'web',
        nodeId: 'node-b',
        remoteAddress: '192.0.2.1',
        hostname: 'host-0',
        agent: { browser: 'Firefox 128', os: 'Linux' },
        startedAt: now - 100_000,
        endedAt: now - 50_000,
        endReason: 'ended_by_admin',
        endedBy: 'ops',
      },
    },
  ]);

  await store.setSetting('first-start.ingest-key', '2026-12-03T09:00:00.000Z');
  await store.advanceCounter('session_ids', 20_000);
  await store.recordPresenceSample({ at: now - 60_000, onlineUsers: 3, sessions: 5 }, 0);
  await store.recordPresenceSample({ at: now, onlineUsers: 4, sessions: 6 }, 0);

  const hook = await store.createWebhook({
    url: 'https://hooks.example.test/a',
    events: ['user.online', 'session.ended'],
    secret: 'whsec_a',
  });
  const parked = await store.createWebhook({ url: 'https://hooks.example.test/b', events: ['user.offline'], secret: 'whsec_b' });
  await store.updateWebhook(parked.id, { active: false, disabledReason: 'receiver answered 410 Gone' });
  await store.enqueueWebhookDeliveries(
    Array.from({ length: 6 }, (_, i) => ({
      id: `d${i}`,
      subscriptionId: i < 4 ? hook.id : parked.id,
      eventType: 'user.online' as const,
      payload: `{"n":${i}}`,
      createdAt: now + i,
    })),
  );
  await store.recordWebhookAttempt('d0', { status: 'delivered', at: now + 10, statusCode: 204 });
  await store.recordWebhookAttempt('d1', { status: 'failed', at: now + 10, statusCode: 500, error: 'HTTP 500' });
  await store.recordWebhookAttempt('d2', { status: 'pending', at: now + 10, error: 'connection refused', nextAttemptAt: now + 20_000 });
  await store.claimDueWebhookDeliveries(now + 100, 1, now + 30_000); // d3, claimed when the node stopped
  await store.redeliverWebhookDelivery(hook.id, 'd0', now + 200); // delivered, then sent again
}

/** Everything a store answers, read through its interface. */
async function everything(store: HistoryStore) {
  const webhooks = await store.listWebhooks();
  return {
    accounts: await store.listAccounts(),
    keys: await store.listApiKeys(),
    clients: await store.listApiClients(),
    tokens: await Promise.all(['token-1', 'token-2'].map((hash) => store.findOAuthToken(hash, Date.now()))),
    users: await store.listUsersSeenSince(0),
    sessionLog: await store.listSessionLog({ limit: 10_000 }),
    setting: await store.getSetting('first-start.ingest-key'),
    counter: await store.advanceCounter('session_ids', 0),
    samples: await store.listPresenceSamples(0),
    webhooks,
    deliveries: await Promise.all(webhooks.map((hook) => store.listWebhookDeliveries(hook.id, { limit: 1_000 }))),
    pending: await store.countPendingWebhookDeliveries(),
  };
}

describe('copying SQLite history into PostgreSQL', { skip }, () => {
  let server: PostgresServer;
  let dir: string;
  let sqlite: SqliteHistoryStore;
  const pools: pg.Pool[] = [];
  before(async () => {
    server = await startPostgres();
    dir = mkdtempSync(join(tmpdir(), 'rollcall-transfer-'));
  });
  after(async () => {
    await sqlite?.close();
    for (const pool of pools) await pool.end().catch(() => undefined);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const migratedPool = async () => {
    const pool = createPostgresPool((await server.createDatabase()).url);
    pools.push(pool);
    await migratePostgres(pool);
    return pool;
  };

  it('copies every record with its ids, and new rows get ids after them', async () => {
    const db = openSqliteDatabase(join(dir, 'rollcall.db'));
    sqlite = new SqliteHistoryStore(db);
    await fillHistory(sqlite);
    const pool = await migratedPool();

    const report = await copySqliteToPostgres(db, pool);
    assert.deepEqual(Object.keys(report), [...HISTORY_TABLES]);
    assert.equal(report.users, 1_200);
    assert.equal(report.session_log, 700);
    assert.equal(report.webhook_deliveries, 6);

    const postgres = new PostgresHistoryStore(pool, { onError: (error) => assert.fail(String(error)) });
    const [before, moved] = [await everything(sqlite), await everything(postgres)];
    assert.deepEqual(moved, before);
    assert.equal(moved.accounts.length, 2);
    assert.equal(moved.keys.length, 3);
    assert.ok(moved.keys.every((key) => key.accountId !== undefined));
    assert.equal(
      moved.pending,
      5,
      'pending deliveries stay pending: a retry, a claimed one, a redelivered one, two of the disabled subscription',
    );
    assert.equal(moved.counter, 20_000, 'session ids go on where they stopped');

    // Identity sequences were moved past the copied ids: nothing collides, nothing reuses an id.
    const account = await postgres.createAccount({ username: 'new', role: 'reader', passwordHash: 'scrypt$new' });
    assert.ok(account.id > Math.max(...before.accounts.map((a) => a.id), 2), `new account id ${account.id}`);
    const hook = await postgres.createWebhook({ url: 'https://hooks.example.test/c', events: ['user.online'], secret: 'whsec_c' });
    assert.ok(hook.id > Math.max(...before.webhooks.map((w) => w.id)));
    await postgres.appendSessionLog([
      {
        op: 'start',
        entry: { sessionId: 5_000, userId: 'u1', clientType: 'web', nodeId: 'node-c', remoteAddress: '192.0.2.9', startedAt: Date.now() },
      },
    ]);
    assert.equal((await postgres.listSessionLog({ limit: 1 }))[0]?.sessionId, 5_000);
  });

  it('refuses a database that already holds history, changing nothing', async () => {
    const pool = await migratedPool();
    const postgres = new PostgresHistoryStore(pool, { onError: (error) => assert.fail(String(error)) });
    await postgres.createAccount({ username: 'already', role: 'admin', passwordHash: 'scrypt$x' });
    const db = openSqliteDatabase(join(dir, 'rollcall.db'));
    try {
      await assert.rejects(copySqliteToPostgres(db, pool), (error: unknown) => {
        assert.ok(isRollcallError(error) && error.code === 'conflict');
        assert.match(error.message, /not empty: accounts \(1\)/);
        return true;
      });
    } finally {
      db.close();
    }
    assert.deepEqual(
      (await postgres.listAccounts()).map((a) => a.username),
      ['already'],
    );
    assert.deepEqual(await postgres.listUsersSeenSince(0), []);
  });
});
