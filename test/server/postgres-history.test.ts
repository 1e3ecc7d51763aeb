// rollcall with historyStore=postgres, end to end: the server and the CLI open their history through
// openHistory on a real PostgreSQL 15, and what one process wrote is there for the next. Also how a
// database that cannot be opened is reported: naming it, never showing its password.
import { after, before, describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config/load.ts';
import { openHistory } from '../../src/server/open-history.ts';
import { PostgresHistoryStore } from '../../src/history/postgres/postgres-history-store.ts';
import { skipUnlessPostgres, startPostgres, type PostgresServer } from '../helpers/postgres.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { runCli } from '../cli/cli-process.ts';

test('a history database that cannot be opened is named without its password', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-pg-missing-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const password = 'Pa55-not-to-be-shown';
  // A socket directory with no server in it: the connection fails at once, on no port at all.
  const databaseUrl = `postgresql://rollcall:${password}@localhost/rollcall?host=${encodeURIComponent(join(dir, 'no-server'))}`;
  const config = loadConfig({ flags: { dataDir: join(dir, 'data'), historyStore: 'postgres', databaseUrl } });
  await assert.rejects(openHistory(config), (error: Error) => {
    assert.match(error.message, /cannot open the history database postgresql:\/\/rollcall:\*\*\*@localhost\/rollcall/);
    assert.match(error.message, /ENOENT|no such file/i, 'says why');
    assert.ok(!error.message.includes(password), error.message);
    assert.ok(!String(error.stack).includes(password), 'nor in the stack');
    return true;
  });
});

const skip = skipUnlessPostgres();

describe('rollcall on PostgreSQL history', { skip }, () => {
  let postgres: PostgresServer;
  const servers: TestServer[] = [];
  before(async () => {
    postgres = await startPostgres();
  });
  after(async () => {
    for (const server of servers.splice(0)) await server.close();
    await postgres?.stop();
  });

  const start = async (databaseUrl: string, dataDir?: string): Promise<TestServer> => {
    const server = await startTestServer({ historyStore: 'postgres', databaseUrl }, dataDir);
    servers.push(server);
    return server;
  };
  const stop = async (server: TestServer) => {
    servers.splice(servers.indexOf(server), 1);
    await server.close({ keepData: true });
  };
  const getJson = async (server: TestServer, path: string) => {
    const response = await fetch(`${server.url}${path}`, { headers: server.admin });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  it('keeps a user reported over HTTP across a restart, in the database and not in the data dir', async () => {
    const { url } = await postgres.createDatabase(); // empty: the server migrates it
    const first = await start(url);
    const view = { m: 'support', v: 'ticket', t: 'ticketid|7' };
    const opened = await fetch(`${first.url}/v1/sessions`, {
      method: 'POST',
      headers: first.ingest,
      body: JSON.stringify(openBody({ user: { id: 'pg-user', name: 'Paula Gres', email: 'paula@example.test', type: 'staff' }, view })),
    });
    assert.equal(opened.status, 201, await opened.clone().text());
    const { id } = (await opened.json()) as { id: number };
    const ended = await fetch(`${first.url}/v1/sessions/${id}`, {
      method: 'DELETE',
      headers: { authorization: first.ingest.authorization! },
    });
    assert.equal(ended.status, 204);
    const before = await getJson(first, '/v1/users/pg-user');
    assert.equal(before.status, 200);
    const dataDir = first.dataDir;
    await stop(first); // writes the last history batch

    assert.ok(!existsSync(join(dataDir, 'rollcall.db')), 'no SQLite file was made');
    const direct = new pg.Pool({ connectionString: url });
    try {
      const { rows } = await direct.query('SELECT name, last_view FROM users WHERE id = $1', ['pg-user']);
      assert.deepEqual(rows, [{ name: 'Paula Gres', last_view: JSON.stringify(view) }], 'the row is in PostgreSQL');
    } finally {
      await direct.end();
    }

    const second = await start(url, dataDir);
    const after = await getJson(second, '/v1/users/pg-user');
    assert.equal(after.status, 200);
    assert.equal(after.json.online, false);
    assert.equal(after.json.name, 'Paula Gres');
    assert.equal(after.json.lastSeenAt, before.json.lastSeenAt);
    assert.deepEqual(after.json.lastView, view);
    const log = await second.rollcall.history.listSessionLog({ userId: 'pg-user' });
    assert.deepEqual(
      log.map((entry) => [entry.sessionId, entry.endReason]),
      [[id, 'closed']],
    );
    assert.ok(second.rollcall.history instanceof PostgresHistoryStore);
  });

  it('lets the CLI manage accounts in the same database a running server reads', async (t) => {
    const { url } = await postgres.createDatabase();
    const server = await start(url);
    const cliDir = mkdtempSync(join(tmpdir(), 'rollcall-pg-cli-'));
    t.after(() => rmSync(cliDir, { recursive: true, force: true }));
    const env = { ROLLCALL_HISTORY_STORE: 'postgres', ROLLCALL_DATABASE_URL: url, ROLLCALL_NEW_PASSWORD: 'a-long-enough-password' };

    const added = await runCli(['accounts', 'add', 'ops', '--role', 'reader', '--data-dir', cliDir], env);
    assert.equal(added.code, 0, added.stderr);
    const listed = await runCli(['accounts', 'list', '--data-dir', cliDir], env);
    assert.match(listed.stdout, /^ops\s+reader\s+read_only\s+/m);
    assert.match(listed.stdout, /^admin\s+admin\s+/m, 'the server bootstrapped admin in the same database');

    const asOps = await fetch(`${server.url}/v1/users?status=all`, {
      headers: { authorization: `Basic ${Buffer.from('ops:a-long-enough-password').toString('base64')}` },
    });
    assert.equal(asOps.status, 200, 'the server knows the account the CLI made');
  });

  it('lets the CLI manage keys, API clients and webhooks in the database a running server reads', async (t) => {
    const { url } = await postgres.createDatabase();
    const server = await start(url);
    const cliDir = mkdtempSync(join(tmpdir(), 'rollcall-pg-cli-'));
    t.after(() => rmSync(cliDir, { recursive: true, force: true }));
    const env = { ROLLCALL_HISTORY_STORE: 'postgres', ROLLCALL_DATABASE_URL: url };

    const key = await runCli(
      ['keys', 'create', '--kind', 'api', '--account', 'admin', '--label', 'status page', '--data-dir', cliDir],
      env,
    );
    assert.equal(key.code, 0, key.stderr);
    const secretKey = /^key: (\S+)$/m.exec(key.stdout)?.[1];
    assert.ok(secretKey);
    const read = await fetch(`${server.url}/v1/users`, { headers: { authorization: `Bearer ${secretKey}` } });
    assert.equal(read.status, 200, 'the server honours a key the CLI made in PostgreSQL');
    assert.match((await runCli(['keys', 'list', '--data-dir', cliDir], env)).stdout, /status page/);

    const client = await runCli(['clients', 'create', '--permission', 'read_only', '--label', 'monitor', '--data-dir', cliDir], env);
    assert.equal(client.code, 0, client.stderr);
    const clientId = /^client id: ([0-9a-f]{32})$/m.exec(client.stdout)?.[1];
    assert.ok(clientId);
    assert.equal((await server.rollcall.history.findApiClient(clientId))?.label, 'monitor');

    const hook = await runCli(['webhooks', 'add', 'https://hooks.example.test/pg', '--events', 'user.online', '--data-dir', cliDir], env);
    assert.equal(hook.code, 0, hook.stderr);
    const listed = await fetch(`${server.url}/v1/webhooks`, { headers: server.admin });
    const { webhooks } = (await listed.json()) as { webhooks: { url: string }[] };
    assert.deepEqual(
      webhooks.map((w) => w.url),
      ['https://hooks.example.test/pg'],
      "the server lists the CLI's subscription",
    );
  });

  it("moves a single node's SQLite data dir into PostgreSQL with `rollcall history migrate`, and the node serves from it", async (t) => {
    // A node on SQLite with a session in its log, an account and a key made with the CLI.
    const single = await startTestServer();
    const dataDir = single.dataDir;
    t.after(() => rmSync(dataDir, { recursive: true, force: true }));
    const opened = await fetch(`${single.url}/v1/sessions`, {
      method: 'POST',
      headers: single.ingest,
      body: JSON.stringify(openBody({ user: { id: 'moved-user', name: 'Moe Ved', type: 'staff' } })),
    });
    assert.equal(opened.status, 201);
    await single.close({ keepData: true }); // stop the server first, as the command asks
    const sqliteEnv = { ROLLCALL_NEW_PASSWORD: 'a-long-enough-password' };
    assert.equal((await runCli(['accounts', 'add', 'eye', '--role', 'reader', '--data-dir', dataDir], sqliteEnv)).code, 0);
    const key = /^key: (\S+)$/m.exec(
      (await runCli(['keys', 'create', '--kind', 'api', '--account', 'eye', '--data-dir', dataDir])).stdout,
    )?.[1];
    assert.ok(key);

    const { url } = await postgres.createDatabase();
    const refused = await runCli(['history', 'migrate', '--from', 'sqlite', '--to', 'postgres', '--data-dir', join(dataDir, 'nowhere')], {
      ROLLCALL_DATABASE_URL: url,
    });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /there is no SQLite history at/);

    const moved = await runCli(['history', 'migrate', '--from', 'sqlite', '--to', 'postgres', '--data-dir', dataDir], {
      ROLLCALL_DATABASE_URL: url,
    });
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stdout, /^accounts\s+2$/m);
    assert.match(moved.stdout, /^session_log\s+1$/m);
    const again = await runCli(['history', 'migrate', '--from', 'sqlite', '--to', 'postgres', '--data-dir', dataDir], {
      ROLLCALL_DATABASE_URL: url,
    });
    assert.equal(again.code, 1, 'a second run finds the database filled');
    assert.match(again.stderr, /not empty/);

    const server = await start(url, dataDir);
    const asEye = await fetch(`${server.url}/v1/users/moved-user`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(asEye.status, 200, 'the key made on SQLite opens the API on PostgreSQL');
    assert.equal(((await asEye.json()) as { name: string }).name, 'Moe Ved');
    const log = await server.rollcall.history.listSessionLog({ userId: 'moved-user' });
    assert.deepEqual(
      log.map((entry) => entry.endReason),
      ['server_shutdown'],
      'the session log came along',
    );
  });
});
