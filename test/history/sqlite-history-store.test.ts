import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { keptForLife } from '../../src/history/sqlite/kept-for-life.ts';
import { openSqliteDatabase, SCHEMA_VERSION } from '../../src/history/sqlite/open-sqlite.ts';
import { MIGRATIONS } from '../../src/history/sqlite/sql.ts';
import { SqliteHistoryStore } from '../../src/history/sqlite/sqlite-history-store.ts';
import type { SessionLogWrite } from '../../src/history/history-store.ts';
import type { UserRecord } from '../../src/core/model.ts';
import { describeHistoryStoreContract } from './history-store.contract.ts';
import { isRollcallError } from '../../src/core/errors.ts';
import { waitFor } from '../helpers/server.ts';

/** A pragma's value, read through a prepared statement (better-sqlite3's pragma() cannot be kept: kept-for-life.ts). */
const pragmaValue = (db: Database.Database, name: string): unknown => db.prepare(`PRAGMA ${name}`).pluck().get();

/** `count` users, each seen a millisecond after the one before. */
const usersSeenInTurn = (count: number): UserRecord[] =>
  Array.from({ length: count }, (_, i) => ({ user: { id: `user-${i}`, name: `User ${i}`, type: 'customer' }, lastSeenAt: 1_000_000 + i }));

const freshDir = (): string => mkdtempSync(join(tmpdir(), 'rollcall-history-'));

describeHistoryStoreContract('sqlite', async () => {
  const dir = freshDir();
  const store = new SqliteHistoryStore(openSqliteDatabase(join(dir, 'history.db')));
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteHistoryStore on a file', () => {
  let dir: string;
  let path: string;
  // Everything a test opens, closed afterwards even when the test fails halfway.
  let handles: Database.Database[];

  const open = (): { db: Database.Database; store: SqliteHistoryStore } => {
    const db = openSqliteDatabase(path);
    handles.push(db);
    return { db, store: new SqliteHistoryStore(db) };
  };

  beforeEach(() => {
    dir = freshDir();
    path = join(dir, 'data', 'history.db');
    handles = [];
  });
  afterEach(() => {
    for (const db of handles) if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the parent folder and sets WAL, NORMAL sync, foreign keys, and no busy wait on the thread', () => {
    const { db } = open();
    assert.ok(existsSync(path));
    assert.equal(pragmaValue(db, 'journal_mode'), 'wal');
    assert.equal(pragmaValue(db, 'synchronous'), 1, 'NORMAL');
    assert.equal(pragmaValue(db, 'busy_timeout'), 0, 'locks are waited for asynchronously (lock-wait.ts)');
    assert.equal(pragmaValue(db, 'foreign_keys'), 1);
    assert.equal(pragmaValue(db, 'user_version'), SCHEMA_VERSION);
  });

  it('lets a second handle on the same file (the CLI beside a server) see writes at once', async () => {
    const server = open().store;
    const cli = open().store;

    const account = await cli.createAccount({ username: 'ops', role: 'admin', passwordHash: 'scrypt$x' });
    const key = await cli.createApiKey({ kind: 'api', accountId: account.id, prefix: 'rc_api_abcde', hash: 'a'.repeat(64) });
    assert.deepEqual(await server.findAccount('ops'), account);
    assert.deepEqual(await server.findApiKey(key.hash), key);

    await server.recordUsers([{ user: { id: 'u1', name: 'U', type: 'staff' }, lastSeenAt: 10 }]);
    assert.equal((await cli.getUser('u1'))?.lastSeenAt, 10);

    assert.equal(await cli.revokeApiKey(key.id), true);
    assert.equal(await server.findApiKey(key.hash), undefined);

    // Both handles add to one counter; neither sees a value twice.
    assert.equal(await server.advanceCounter('ids', 1), 0);
    assert.equal(await cli.advanceCounter('ids', 1), 1);
    assert.equal(await server.advanceCounter('ids', 1), 2);
  });

  it("waits for another connection's write lock without blocking the event loop, then writes", async () => {
    const { store } = open();
    const other = open().db;
    other.prepare('BEGIN IMMEDIATE').run();
    const write = store.recordUsers([{ user: { id: 'u1', name: 'U', type: 'staff' }, lastSeenAt: 10 }]);
    // The event loop keeps turning while the write waits: timers fire, and the lock is released by one.
    let turns = 0;
    const ticker = setInterval(() => turns++, 5);
    await waitFor(() => turns >= 10, { what: 'ten timer turns while the lock is held' });
    clearInterval(ticker);
    assert.equal(await store.getUser('u1'), undefined, 'reads go on during the lock and see nothing yet');
    other.prepare('COMMIT').run();
    await write;
    assert.equal((await store.getUser('u1'))?.lastSeenAt, 10);
  });

  it('gives up on a lock held past its deadline with `unavailable`, writing nothing, and works once it is released', async () => {
    const db = openSqliteDatabase(path);
    handles.push(db);
    const store = new SqliteHistoryStore(db, { deadlineMs: 50 });
    const other = open().db;
    other.prepare('BEGIN IMMEDIATE').run();
    const record: UserRecord = { user: { id: 'u1', name: 'U', type: 'staff' }, lastSeenAt: 10 };
    await assert.rejects(store.recordUsers([record]), (error: unknown) => isRollcallError(error) && error.code === 'unavailable');
    other.prepare('ROLLBACK').run();
    assert.equal(await store.getUser('u1'), undefined);
    await store.recordUsers([record]);
    assert.deepEqual(await store.getUser('u1'), record);
  });

  it('keeps its data across close and reopen', async () => {
    const first = open().store;
    const account = await first.createAccount({ username: 'ops', role: 'reader', passwordHash: 'scrypt$x' });
    const key = await first.createApiKey({ kind: 'ingest', accountId: account.id, prefix: 'rc_in_abcdef', hash: 'b'.repeat(64) });
    const record: UserRecord = { user: { id: 'u1', name: 'U', type: 'staff' }, lastSeenAt: 50, lastView: { m: 'a', v: 'b', t: 'c|d' } };
    await first.recordUsers([record]);
    await first.appendSessionLog([
      { op: 'start', entry: { sessionId: 1, userId: 'u1', clientType: 'web', nodeId: 'n', remoteAddress: '::1', startedAt: 5 } },
    ]);
    await first.setSetting('k', 'v');
    await first.advanceCounter('c', 3);
    await first.close();

    const { db, store: second } = open();
    assert.equal(pragmaValue(db, 'user_version'), SCHEMA_VERSION, 'no migration ran twice');
    assert.deepEqual(await second.findAccount('ops'), account);
    assert.deepEqual(await second.findApiKey(key.hash), key);
    assert.deepEqual(await second.getUser('u1'), record);
    assert.equal((await second.listSessionLog()).length, 1);
    assert.equal(await second.getSetting('k'), 'v');
    assert.equal(await second.advanceCounter('c', 1), 3);
  });

  it('records a batch of 5,000 users in one call', async () => {
    const { store } = open();
    const records: UserRecord[] = Array.from({ length: 5_000 }, (_, i) => ({
      user: { id: `user-${i}`, name: `User ${i}`, type: 'customer', email: `u${i}@example.test` },
      lastSeenAt: 1_000_000 + i,
      lastView: { m: 'm', v: 'v', t: `page|${i}` },
    }));
    await store.recordUsers(records);
    const seen = await store.listUsersSeenSince(0);
    assert.equal(seen.length, 5_000);
    assert.deepEqual(seen[0], records[4_999]);
    assert.deepEqual(seen[4_999], records[0]);
  });

  it('a long list of users read in pages starts over when a user moves ahead of the pages already read', async () => {
    const { store } = open();
    const records = usersSeenInTurn(3_000);
    await store.recordUsers(records);
    // The first page (the newest 1,000) is read as the call starts; the oldest user is then seen anew,
    // which puts them before that page. Read on from where it was, the list would miss them.
    const listed = store.listUsersSeenSince(0);
    await store.recordUsers([{ ...records[0]!, lastSeenAt: 2_000_000 }]);
    const seen = await listed;
    assert.equal(seen.length, 3_000);
    assert.deepEqual(seen[0], { ...records[0]!, lastSeenAt: 2_000_000 });
    assert.equal(new Set(seen.map((r) => r.user.id)).size, 3_000);
  });

  it('a long list of users read in pages starts over when another connection writes users', async () => {
    const { store } = open();
    const records = usersSeenInTurn(3_000);
    await store.recordUsers(records);
    const other = open().db;
    const listed = store.listUsersSeenSince(0);
    other.prepare('UPDATE users SET last_seen_at = 2000000 WHERE id = ?').run('user-0');
    const seen = await listed;
    assert.equal(seen.length, 3_000);
    assert.equal(seen[0]!.user.id, 'user-0');
  });

  it('writes a user batch as one transaction: a bad record leaves nothing behind', async () => {
    const { store } = open();
    // A record without a name breaks the NOT NULL constraint, standing in for any failure mid-batch.
    const broken = { user: { id: 'bad', type: 'staff' }, lastSeenAt: 2 } as unknown as UserRecord;
    const good: UserRecord = { user: { id: 'good', name: 'G', type: 'staff' }, lastSeenAt: 1 };
    await assert.rejects(store.recordUsers([good, broken]));
    assert.equal(await store.getUser('good'), undefined);
  });

  it('writes a session-log batch as one transaction: a bad write leaves nothing behind', async () => {
    const { store } = open();
    const good: SessionLogWrite = {
      op: 'start',
      entry: { sessionId: 1, userId: 'u1', clientType: 'web', nodeId: 'n', remoteAddress: '::1', startedAt: 5 },
    };
    const broken = {
      op: 'start',
      entry: { sessionId: 2, clientType: 'web', nodeId: 'n', remoteAddress: '::1', startedAt: 6 },
    } as unknown as SessionLogWrite;
    await assert.rejects(store.appendSessionLog([good, broken]));
    assert.deepEqual(await store.listSessionLog(), []);
  });

  it('migrates a file of schema 1: accounts get the command permission of their role', async () => {
    const v1Path = join(dir, 'v1.db');
    const db = keptForLife(new Database(v1Path));
    db.exec(MIGRATIONS[0]!);
    db.exec('PRAGMA user_version = 1');
    db.prepare(
      "INSERT INTO accounts (username, role, password_hash, created_at) VALUES ('boss', 'admin', 'x', 1), ('eye', 'reader', 'y', 2)",
    ).run();
    db.close();
    const reopened = openSqliteDatabase(v1Path);
    handles.push(reopened);
    assert.equal(pragmaValue(reopened, 'user_version'), SCHEMA_VERSION);
    const store = new SqliteHistoryStore(reopened);
    assert.equal((await store.findAccount('boss'))?.commandPermission, 'full');
    assert.equal((await store.findAccount('eye'))?.commandPermission, 'read_only');
    assert.deepEqual(await store.listApiClients(), []);
  });

  it('migrates a file of schema 3: the webhook tables arrive empty and earlier data stays', async () => {
    const v3Path = join(dir, 'v3.db');
    const db = keptForLife(new Database(v3Path));
    for (const step of MIGRATIONS.slice(0, 3)) db.exec(step);
    db.exec('PRAGMA user_version = 3');
    db.prepare("INSERT INTO accounts (username, role, password_hash, created_at) VALUES ('boss', 'admin', 'x', 1)").run();
    db.close();
    const reopened = openSqliteDatabase(v3Path);
    handles.push(reopened);
    assert.equal(pragmaValue(reopened, 'user_version'), SCHEMA_VERSION);
    const store = new SqliteHistoryStore(reopened);
    assert.equal((await store.findAccount('boss'))?.role, 'admin');
    assert.deepEqual(await store.listWebhooks(), []);
    const hook = await store.createWebhook({ url: 'http://127.0.0.1:9/', events: ['user.online'], secret: 'secret-secret-secret' });
    assert.equal(hook.id, 1);
  });

  it('migrates a file of schema 5: logged sessions and deliveries stay, without host or redelivery, and page by the new index', async () => {
    const v5Path = join(dir, 'v5.db');
    const db = new Database(v5Path);
    for (const step of MIGRATIONS.slice(0, 5)) db.exec(step);
    db.pragma('user_version = 5');
    db.exec(`INSERT INTO session_log (session_id, started_at, user_id, client_type, node_id, remote_address)
             VALUES (7, 1000, 'u1', 'web', 'node-a', '::1');
             INSERT INTO webhook_subscriptions (url, event_types, secret, created_at) VALUES ('http://127.0.0.1:9/', 'user.online', 's', 1);
             INSERT INTO webhook_deliveries (id, subscription_id, event_type, payload, status, created_at, finished_at)
             VALUES ('d1', 1, 'user.online', '{}', 'delivered', 10, 20);`);
    db.close();
    const reopened = openSqliteDatabase(v5Path);
    handles.push(reopened);
    assert.equal(reopened.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    assert.deepEqual(
      reopened
        .prepare<[], { name: string }>("SELECT name FROM pragma_index_info('session_log_by_user')")
        .all()
        .map((c) => c.name),
      ['user_id', 'started_at', 'session_id'],
    );
    const store = new SqliteHistoryStore(reopened);
    assert.deepEqual(await store.listSessionLog({ userId: 'u1' }), [
      { sessionId: 7, userId: 'u1', clientType: 'web', nodeId: 'node-a', remoteAddress: '::1', startedAt: 1_000 },
    ]);
    const redelivered = await store.redeliverWebhookDelivery(1, 'd1', 5_000);
    assert.deepEqual([redelivered?.requeued, redelivered?.delivery.redeliveredAt], [true, 5_000]);
  });

  it('keeps pending webhook deliveries across close and reopen', async () => {
    const first = open().store;
    const hook = await first.createWebhook({ url: 'http://127.0.0.1:9/', events: ['user.online'], secret: 'secret-secret-secret' });
    await first.enqueueWebhookDeliveries([{ id: 'd1', subscriptionId: hook.id, eventType: 'user.online', payload: '{}', createdAt: 10 }]);
    await first.claimDueWebhookDeliveries(10, 5, 1_000); // claimed, then the process "dies"
    await first.close();
    const second = open().store;
    assert.deepEqual(await second.claimDueWebhookDeliveries(999, 5, 2_000), [], 'still claimed');
    assert.deepEqual(
      (await second.claimDueWebhookDeliveries(1_000, 5, 2_000)).map((d) => d.delivery.id),
      ['d1'],
      'due again once the claim lapsed',
    );
  });

  it('refuses a file written by a newer schema', () => {
    const { db } = open();
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(() => openSqliteDatabase(path), /newer/);
  });

  it('closes the handle it was given', async () => {
    const { db, store } = open();
    await store.close();
    assert.equal(db.open, false);
  });
});
