// The HistoryStore contract against a real PostgreSQL 15, plus what only a shared server has: several
// nodes migrating, claiming webhook deliveries and advancing counters at once. One server for the
// file; each test gets a fresh database copied from one migrated once (about 20 ms a copy).
import { after, before, beforeEach, afterEach, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { describeHistoryStoreContract } from './history-store.contract.ts';
import { skipUnlessPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.ts';
import { PostgresHistoryStore } from '../../src/history/postgres/postgres-history-store.ts';
import { createPostgresPool } from '../../src/history/postgres/open-postgres.ts';
import { migratePostgres, POSTGRES_SCHEMA_VERSION, SchemaTooNewError } from '../../src/history/postgres/migrate.ts';
import { CREATE_SCHEMA_MIGRATIONS, MIGRATIONS } from '../../src/history/postgres/sql.ts';
import type { NewWebhookDelivery, SessionLogWrite } from '../../src/history/history-store.ts';
import type { EndReason } from '../../src/core/model.ts';
import type { UserRecord } from '../../src/core/model.ts';
import { waitFor } from '../helpers/server.ts';

const skip = skipUnlessPostgres();

if (skip) {
  test('PostgreSQL history store', { skip }, () => {});
} else {
  let server: PostgresServer;
  /** A database migrated once; every test database is a copy of it. */
  let template: string;
  /** Everything a test opened, closed after it even when it failed halfway. */
  const opened: { close(): Promise<void> }[] = [];

  before(async () => {
    server = await startPostgres();
    const migrated = await server.createDatabase();
    const pool = createPostgresPool(migrated.url);
    try {
      await migratePostgres(pool);
    } finally {
      await pool.end();
    }
    template = migrated.name;
  });
  after(async () => {
    await server?.stop();
  });

  /** Errors the stores' pools reported; a test that expects none checks this stays empty. */
  const poolErrors: Error[] = [];
  const openStore = (url: string): PostgresHistoryStore => {
    const store = new PostgresHistoryStore(createPostgresPool(url), { onError: (error) => poolErrors.push(error) });
    opened.push(store);
    return store;
  };
  const freshUrl = async (): Promise<string> => (await server.createDatabase({ template })).url;
  const closeOpened = async () => {
    for (const handle of opened.splice(0)) await handle.close();
  };

  describeHistoryStoreContract('postgres', async () => {
    const store = openStore(await freshUrl());
    return { store, cleanup: () => store.close() };
  });

  const delivery = (id: string, subscriptionId: number, createdAt: number): NewWebhookDelivery => ({
    id,
    subscriptionId,
    eventType: 'session.started',
    payload: JSON.stringify({ deliveryId: id }),
    createdAt,
  });

  describe('PostgreSQL schema migrations', () => {
    afterEach(closeOpened);

    /** A pool on a new, empty database (not a copy of the migrated one). */
    const emptyDatabasePool = async (): Promise<{ pool: pg.Pool; url: string }> => {
      const { url } = await server.createDatabase();
      const pool = createPostgresPool(url);
      opened.push({ close: () => pool.end() });
      return { pool, url };
    };
    const versions = async (pool: pg.Pool) =>
      (await pool.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version);
    const tables = async (pool: pg.Pool) =>
      (await pool.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows.map(
        (r) => r.name,
      );

    it('migrates an empty database to the current version, and a second run changes nothing', async () => {
      const { pool, url } = await emptyDatabasePool();
      assert.deepEqual(await tables(pool), []);
      await migratePostgres(pool);
      const expected = Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1);
      assert.deepEqual(await versions(pool), expected);
      const created = await tables(pool);
      for (const table of ['accounts', 'api_keys', 'users', 'session_log', 'webhook_deliveries', 'counters', 'schema_migrations']) {
        assert.ok(created.includes(table), `${table} exists`);
      }
      await migratePostgres(pool);
      assert.deepEqual(await versions(pool), expected, 'no step ran twice');
      const store = openStore(url);
      await store.setSetting('k', 'v');
      assert.equal(await store.getSetting('k'), 'v');
    });

    it('lets several nodes migrate one fresh database at once: all succeed, each step runs once', async () => {
      const { url } = await emptyDatabasePool();
      // Separate pools, as separate nodes would have: without the advisory lock, concurrent CREATE TABLEs
      // of one step collide (duplicate key in pg_type) or a step is recorded twice.
      const pools = Array.from({ length: 4 }, () => {
        const pool = createPostgresPool(url);
        opened.push({ close: () => pool.end() });
        return pool;
      });
      const results = await Promise.allSettled(pools.map((pool) => migratePostgres(pool)));
      assert.deepEqual(
        results.map((r) => r.status),
        pools.map(() => 'fulfilled'),
        JSON.stringify(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))),
      );
      assert.deepEqual(
        await versions(pools[0]!),
        Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1),
      );
    });

    it('migrates a database of schema 1 that holds history: rows stay, without host or redelivery, and page by the new index', async () => {
      const { pool, url } = await emptyDatabasePool();
      await pool.query(CREATE_SCHEMA_MIGRATIONS);
      await pool.query(MIGRATIONS[0]!);
      await pool.query('INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0)');
      await pool.query(`INSERT INTO session_log (session_id, started_at, user_id, client_type, node_id, remote_address)
                        VALUES (7, 1000, 'u1', 'web', 'node-a', '::1')`);
      await pool.query(
        `INSERT INTO webhook_subscriptions (url, event_types, secret, created_at) VALUES ('http://127.0.0.1:9/', 'user.online', 's', 1)`,
      );
      await pool.query(`INSERT INTO webhook_deliveries (id, subscription_id, event_type, payload, status, created_at, finished_at)
                        VALUES ('d1', 1, 'user.online', '{}', 'delivered', 10, 20)`);
      await migratePostgres(pool);
      assert.equal((await versions(pool)).at(-1), POSTGRES_SCHEMA_VERSION);
      const index = await pool.query<{ definition: string }>(
        "SELECT pg_get_indexdef(indexrelid) AS definition FROM pg_index WHERE indexrelid = 'session_log_by_user'::regclass",
      );
      assert.match(index.rows[0]?.definition ?? '', /\(user_id, started_at, session_id\)/);
      const store = openStore(url);
      assert.deepEqual(await store.listSessionLog({ userId: 'u1' }), [
        { sessionId: 7, userId: 'u1', clientType: 'web', nodeId: 'node-a', remoteAddress: '::1', startedAt: 1_000 },
      ]);
      const redelivered = await store.redeliverWebhookDelivery(1, 'd1', 5_000);
      assert.deepEqual([redelivered?.requeued, redelivered?.delivery.redeliveredAt], [true, 5_000]);
    });

    it('refuses a database migrated by newer code, and leaves it as it is', async () => {
      const { pool } = await emptyDatabasePool();
      await migratePostgres(pool);
      await pool.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)', [POSTGRES_SCHEMA_VERSION + 1]);
      await assert.rejects(migratePostgres(pool), (error: Error) => {
        assert.ok(error instanceof SchemaTooNewError);
        assert.match(error.message, new RegExp(`schema version ${POSTGRES_SCHEMA_VERSION + 1}, newer than the ${POSTGRES_SCHEMA_VERSION}`));
        assert.match(error.message, /upgrade rollcall/);
        return true;
      });
      assert.equal((await versions(pool)).at(-1), POSTGRES_SCHEMA_VERSION + 1);
    });
  });

  describe('PostgresHistoryStore on a shared server', () => {
    let url: string;
    beforeEach(async () => {
      url = await freshUrl();
      poolErrors.length = 0;
    });
    afterEach(closeOpened);

    it('reads BIGINT as numbers on its own pools only, never through the global pg.types', async () => {
      const store = openStore(url);
      await store.recordUsers([{ user: { id: 'u', name: 'U', type: 'staff' }, lastSeenAt: 1_700_000_000_123 }]);
      assert.equal((await store.getUser('u'))?.lastSeenAt, 1_700_000_000_123);
      const plain = new pg.Pool({ connectionString: url });
      opened.push({ close: () => plain.end() });
      const { rows } = await plain.query<{ seen: unknown }>('SELECT last_seen_at AS seen FROM users');
      assert.equal(rows[0]?.seen, '1700000000123', 'a pool without our types keeps node-postgres defaults');
    });

    it('writes a batch that names users twice as record after record, and a failing batch not at all', async () => {
      const store = openStore(url);
      const view = (t: string) => ({ m: 'm', v: 'v', t });
      await store.recordUsers([
        { user: { id: 'a', name: 'A1', type: 'staff' }, lastSeenAt: 5_000, lastView: view('a-first') },
        { user: { id: 'b', name: 'B1', type: 'staff' }, lastSeenAt: 1_000 },
        { user: { id: 'a', name: 'A2', type: 'staff' }, lastSeenAt: 4_000, lastView: view('a-stale') },
        { user: { id: 'a', name: 'A3', type: 'staff' }, lastSeenAt: 6_000 },
      ]);
      assert.deepEqual(await store.getUser('a'), {
        user: { id: 'a', name: 'A3', type: 'staff' },
        lastSeenAt: 6_000,
        lastView: view('a-first'),
      });

      // The third round fails on NOT NULL after two rounds went through: the transaction undoes them.
      const broken = { user: { id: 'c', type: 'staff' }, lastSeenAt: 3 } as unknown as UserRecord;
      const c = (name: string, lastSeenAt: number): UserRecord => ({ user: { id: 'c', name, type: 'staff' }, lastSeenAt });
      await assert.rejects(
        store.recordUsers([c('C1', 1), { user: { id: 'd', name: 'D', type: 'staff' }, lastSeenAt: 1 }, c('C2', 2), broken]),
      );
      assert.equal(await store.getUser('c'), undefined);
      assert.equal(await store.getUser('d'), undefined);
    });

    it('writes a session-log batch of several runs as one transaction', async () => {
      const store = openStore(url);
      const start = (sessionId: number, userId: string | undefined): SessionLogWrite =>
        ({
          op: 'start',
          entry: { sessionId, userId, clientType: 'web', nodeId: 'n', remoteAddress: '::1', startedAt: 10 },
        }) as SessionLogWrite;
      const end = (sessionId: number, endedAt: number, endReason: EndReason): SessionLogWrite => ({
        op: 'end',
        entry: { ...start(sessionId, 'u1').entry, endedAt, endReason },
      });
      await assert.rejects(store.appendSessionLog([start(1, 'u1'), end(1, 20, 'closed'), start(2, undefined)]));
      assert.deepEqual(await store.listSessionLog(), []);
      // Two ends of one session in one run: the first is kept, as written one after the other.
      await store.appendSessionLog([start(3, 'u1'), end(3, 30, 'expired'), end(3, 40, 'closed')]);
      const [entry] = await store.listSessionLog();
      assert.deepEqual([entry?.endedAt, entry?.endReason], [30, 'expired']);
    });

    it('records 5,000 users in one call', async () => {
      const store = openStore(url);
      const records: UserRecord[] = Array.from({ length: 5_000 }, (_, i) => ({
        user: { id: `user-${i}`, name: `User ${i}`, type: 'customer', email: `u${i}@example.test` },
        lastSeenAt: 1_000_000 + i,
        lastView: { m: 'm', v: 'v', t: `page|${i}` },
      }));
      const started = performance.now();
      await store.recordUsers(records);
      const ms = performance.now() - started;
      const seen = await store.listUsersSeenSince(0);
      assert.equal(seen.length, 5_000);
      assert.deepEqual(seen[0], records[4_999]);
      assert.deepEqual(seen[4_999], records[0]);
      assert.ok(ms < 5_000, `one statement, not 5,000 round trips (took ${ms.toFixed(0)} ms)`);
    });

    it('never hands one delivery to two nodes claiming at once, and hands out every due one', async () => {
      const nodeA = openStore(url);
      const nodeB = openStore(url);
      const hook = await nodeA.createWebhook({ url: 'http://127.0.0.1:9/hook', events: ['session.started'], secret: 'secret-secret' });
      const ids = Array.from({ length: 200 }, (_, i) => `d${i}`);
      await nodeA.enqueueWebhookDeliveries(ids.map((id, i) => delivery(id, hook.id, 1_000 + i)));

      // Each node claims small batches until nothing is due: both hit the same rows at the same time.
      const drain = async (store: PostgresHistoryStore): Promise<string[]> => {
        const taken: string[] = [];
        for (;;) {
          const claimed = await store.claimDueWebhookDeliveries(10_000, 7, 60_000);
          if (claimed.length === 0) return taken;
          taken.push(...claimed.map((c) => c.delivery.id));
        }
      };
      const all = (await Promise.all([drain(nodeA), drain(nodeB), drain(nodeA), drain(nodeB)])).flat();
      assert.equal(new Set(all).size, all.length, 'no delivery was claimed twice');
      assert.deepEqual([...all].sort(), [...ids].sort(), 'every due delivery was claimed');
      assert.equal(await nodeB.nextWebhookAttemptAt(), 60_000, 'all are leased');
    });

    it('makes a claim that lapsed claimable again, by another node', async () => {
      const nodeA = openStore(url);
      const nodeB = openStore(url);
      const hook = await nodeA.createWebhook({ url: 'http://127.0.0.1:9/hook', events: ['session.started'], secret: 'secret-secret' });
      await nodeA.enqueueWebhookDeliveries([delivery('d1', hook.id, 1_000)]);
      const first = await nodeA.claimDueWebhookDeliveries(1_000, 10, 5_000);
      assert.deepEqual(
        first.map((c) => [c.delivery.id, c.url, c.secret, c.delivery.nextAttemptAt]),
        [['d1', 'http://127.0.0.1:9/hook', 'secret-secret', 5_000]],
      );
      assert.deepEqual(await nodeB.claimDueWebhookDeliveries(4_999, 10, 9_000), [], 'held until its lease lapses');
      // Node A "died" without recording an outcome: at 5,000 the delivery is due again.
      const again = await nodeB.claimDueWebhookDeliveries(5_000, 10, 9_000);
      assert.deepEqual(
        again.map((c) => [c.delivery.id, c.delivery.attempts, c.delivery.nextAttemptAt]),
        [['d1', 0, 9_000]],
      );
      assert.equal(await nodeB.recordWebhookAttempt('d1', { status: 'delivered', at: 5_100, statusCode: 204 }), true);
      assert.deepEqual(await nodeA.claimDueWebhookDeliveries(100_000, 10, 200_000), []);
    });

    it('gives two nodes advancing one counter at once disjoint ranges that leave no gap', async () => {
      const nodes = [openStore(url), openStore(url)];
      const step = 5;
      const calls = 100;
      const starts = await Promise.all(
        nodes.flatMap((node) => Array.from({ length: calls }, () => node.advanceCounter('session_ids', step))),
      );
      const sorted = [...starts].sort((a, b) => a - b);
      assert.deepEqual(
        sorted,
        Array.from({ length: 2 * calls }, (_, i) => i * step),
        'every range [start, start + 5) once',
      );
      assert.equal(await nodes[0]!.advanceCounter('session_ids', 0), 2 * calls * step);
    });

    it('survives an idle connection dropped by the server: onError hears of it and the next query reconnects', async () => {
      const store = openStore(url);
      await store.setSetting('k', 'v'); // leaves one idle connection in the pool
      const dbName = new URL(url).pathname.slice(1);
      const killed = await server.admin(
        "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE datname = $1 AND application_name = 'rollcall'",
        [dbName],
      );
      assert.equal(killed.rows.length, 1, 'the pool had one idle connection');
      await waitFor(() => poolErrors.length > 0, { what: 'the pool to report the lost connection' });
      assert.match(String(poolErrors[0]?.message), /terminat/i);
      assert.equal(await store.getSetting('k'), 'v', 'a new connection serves the next call');
    });

    it('ends the pool it was given on close, once however often it is called', async () => {
      const pool = createPostgresPool(url);
      const store = new PostgresHistoryStore(pool, { onError: (error) => poolErrors.push(error) });
      await store.setSetting('k', 'v');
      await Promise.all([store.close(), store.close()]);
      await store.close();
      assert.equal(pool.ended, true);
      assert.equal(pool.totalCount, 0, 'no connection left open');
    });
  });
}
