// A restart on the same data dir: history (who was seen, when, looking at what) survives, session ids
// are never handed out twice, sessions live at shutdown are recorded as ended, and the first start's
// generated credentials are made once and keep working.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createRollcall, type Rollcall } from '../../src/server/compose.ts';
import type { OpenSessionBody } from '../../src/core/input-schemas.ts';

interface Answer {
  status: number;
  text: string;
  json: any;
}

async function call(url: string, method: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, json: text ? JSON.parse(text) : undefined };
}

const ingestOnly = (server: TestServer) => ({ authorization: server.ingest.authorization! });

async function open(server: TestServer, overrides: Partial<OpenSessionBody>): Promise<number> {
  const answer = await call(`${server.url}/v1/sessions`, 'POST', ingestOnly(server), openBody(overrides));
  assert.equal(answer.status, 201, answer.text);
  return answer.json.id as number;
}

async function read(server: TestServer, path: string): Promise<Answer> {
  const answer = await call(`${server.url}${path}`, 'GET', server.admin);
  return answer;
}

/** Offline users keyed by id, with what a restart must keep. */
async function offlineById(server: TestServer) {
  const answer = await read(server, '/v1/users?status=offline');
  assert.equal(answer.status, 200, answer.text);
  return new Map<string, { name: string; email?: string; type: string; lastSeenAt: number; lastView?: unknown }>(
    answer.json.users.map((u: any) => [
      u.id,
      { name: u.name, email: u.email, type: u.type, lastSeenAt: u.lastSeenAt, lastView: u.lastView },
    ]),
  );
}

describe('restart on the same data dir', () => {
  const servers: TestServer[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close({ keepData: true });
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const start = async (dataDir?: string) => {
    const server = await startTestServer({}, dataDir);
    servers.push(server);
    if (!dirs.includes(server.dataDir)) dirs.push(server.dataDir);
    return server;
  };
  const stop = async (server: TestServer) => {
    servers.splice(servers.indexOf(server), 1);
    await server.close({ keepData: true });
  };

  it('keeps the offline list, last seen and last view; never reuses session ids; records sessions live at shutdown as ended', async () => {
    const first = await start();
    const dir = first.dataDir;

    const amyView = { m: 'support', v: 'ticket', t: 'ticketid|1' };
    const benView = { m: 'admin', v: 'users', t: 'page|2' };
    const carlView = { m: 'support', v: 'queue', t: 'queue|general' };
    const amy = await open(first, { user: { id: 'amy', name: 'Amy', email: 'amy@example.com', type: 'staff' }, view: amyView });
    const ben1 = await open(first, { user: { id: 'ben', name: 'Ben' }, view: { m: 'x', v: 'y', t: 'z' } });
    const ben2 = await open(first, { user: { id: 'ben', name: 'Ben' }, clientType: 'push_agent' });
    const carl = await open(first, { user: { id: 'carl', name: 'Carl', type: 'system' }, view: carlView });
    const dana = await open(first, { user: { id: 'dana', name: 'Dana' } });
    // Ben's latest view comes from a heartbeat.
    assert.equal((await call(`${first.url}/v1/sessions/${ben1}/heartbeat`, 'POST', ingestOnly(first), { view: benView })).status, 204);

    for (const id of [amy, ben1, ben2]) {
      assert.equal((await call(`${first.url}/v1/sessions/${id}`, 'DELETE', ingestOnly(first))).status, 204);
    }
    // carl and dana are still live at shutdown.
    const offlineBefore = await offlineById(first);
    assert.deepEqual([...offlineBefore.keys()].sort(), ['amy', 'ben']);
    const usersBefore = new Map<string, Answer>();
    for (const id of ['amy', 'ben', 'carl', 'dana']) usersBefore.set(id, await read(first, `/v1/users/${id}`));
    assert.equal(usersBefore.get('carl')!.json.online, true);
    const idsBefore = [amy, ben1, ben2, carl, dana];
    const nodeId = first.rollcall.presence.nodeId;

    await stop(first);

    const second = await start(dir);
    assert.equal(second.rollcall.presence.nodeId, nodeId, 'the node keeps its id');
    assert.equal((await read(second, '/v1/sessions')).json.sessions.length, 0, 'no live sessions survive a memory store');

    const offlineAfter = await offlineById(second);
    assert.deepEqual(
      [...offlineAfter.keys()].sort(),
      ['amy', 'ben', 'carl', 'dana'],
      'sessions live at shutdown ended: their users are offline',
    );
    for (const id of ['amy', 'ben']) assert.deepEqual(offlineAfter.get(id), offlineBefore.get(id), id);
    assert.deepEqual(offlineAfter.get('amy')!.lastView, amyView);
    assert.deepEqual(offlineAfter.get('ben')!.lastView, benView);

    for (const [id, before] of usersBefore) {
      const after = await read(second, `/v1/users/${id}`);
      assert.equal(after.status, 200, `${id}: ${after.text}`);
      assert.equal(after.json.online, false, id);
      assert.deepEqual(after.json.sessions, []);
      assert.equal(after.json.lastSeenAt, before.json.lastSeenAt, `${id} last seen`);
      assert.deepEqual(after.json.lastView, before.json.lastView, `${id} last view`);
      assert.equal(after.json.name, before.json.name);
      assert.equal(after.json.type, before.json.type);
      assert.equal(after.json.email, before.json.email);
    }
    assert.deepEqual((await read(second, '/v1/users/carl')).json.lastView, carlView);

    // The session log has both starts and ends, with the reason of each end.
    const log = await second.rollcall.history.listSessionLog({ limit: 100 });
    const byId = new Map(log.map((entry) => [entry.sessionId, entry]));
    for (const id of [amy, ben1, ben2]) assert.equal(byId.get(id)?.endReason, 'closed', `session ${id}`);
    for (const id of [carl, dana]) {
      const entry = byId.get(id);
      assert.equal(entry?.endReason, 'server_shutdown', `session ${id}`);
      assert.ok(entry?.endedAt !== undefined && entry.endedAt >= entry.startedAt);
    }

    // New sessions get ids above every id handed out before the restart.
    const newIds = [await open(second, { user: { id: 'amy', name: 'Amy' } }), await open(second, { user: { id: 'eve', name: 'Eve' } })];
    for (const id of newIds) assert.ok(id > Math.max(...idsBefore), `new id ${id} after ${idsBefore.join(', ')}`);
    assert.ok(newIds[1]! > newIds[0]!);
    assert.equal((await read(second, '/v1/users/amy')).json.online, true);

    // A stale client heartbeating an id from before the restart finds nothing.
    for (const id of idsBefore) {
      assert.equal((await call(`${second.url}/v1/sessions/${id}/heartbeat`, 'POST', ingestOnly(second))).status, 404);
    }
  });

  it('keeps ids increasing over several restarts', async () => {
    let server = await start();
    const dir = server.dataDir;
    let last = 0;
    for (let round = 0; round < 3; round++) {
      const id = await open(server, { user: { id: `r${round}`, name: 'R' } });
      assert.ok(id > last, `round ${round}: ${id} > ${last}`);
      last = id;
      await stop(server);
      server = await start(dir);
    }
    const offline = await offlineById(server);
    assert.deepEqual([...offline.keys()].sort(), ['r0', 'r1', 'r2']);
  });
});

describe('first start without configured secrets', () => {
  const running: Rollcall[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const rollcall of running.splice(0)) await rollcall.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function start(dataDir: string): Promise<{ rollcall: Rollcall; url: string }> {
    const config = loadConfig({ flags: { port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent' } });
    assert.equal(config.adminPassword, undefined);
    assert.equal(config.ingestKey, undefined);
    const rollcall = await createRollcall(config);
    running.push(rollcall);
    await rollcall.app.listen({ port: 0, host: '127.0.0.1' });
    const address = rollcall.app.server.address();
    assert.ok(address && typeof address === 'object');
    return { rollcall, url: `http://127.0.0.1:${address.port}` };
  }
  async function stop(rollcall: Rollcall) {
    running.splice(running.indexOf(rollcall), 1);
    await rollcall.close();
  }

  it('generates an admin password and an ingest key once; they work over HTTP and keep working after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollcall-first-start-'));
    dirs.push(dir);

    const first = await start(dir);
    const { adminPassword, ingestKey } = first.rollcall.firstStart;
    assert.equal(typeof adminPassword, 'string');
    assert.equal(typeof ingestKey, 'string');
    assert.ok(adminPassword!.length >= 12, 'a generated password is long');
    assert.match(ingestKey!, /^rc_in_/);

    const admin = { authorization: `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}` };
    const ingest = { authorization: `Bearer ${ingestKey}` };
    const check = async (url: string) => {
      const opened = await call(`${url}/v1/sessions`, 'POST', ingest, openBody({ user: { id: 'first', name: 'First' } }));
      assert.equal(opened.status, 201, opened.text);
      const listed = await call(`${url}/v1/sessions`, 'GET', admin);
      assert.equal(listed.status, 200, listed.text);
      assert.ok(listed.json.sessions.some((s: { id: number }) => s.id === opened.json.id));
      // The ingest key reports but does not read; the admin reads.
      assert.equal((await call(`${url}/v1/sessions`, 'GET', ingest)).status, 401);
      const wrong = { authorization: `Basic ${Buffer.from(`admin:${adminPassword}x`).toString('base64')}` };
      assert.equal((await call(`${url}/v1/sessions`, 'GET', wrong)).status, 401);
    };
    await check(first.url);
    await stop(first.rollcall);

    const second = await start(dir);
    assert.deepEqual(second.rollcall.firstStart, {}, 'a later start creates and prints nothing');
    await check(second.url);
    const accounts = await second.rollcall.history.listAccounts();
    assert.deepEqual(
      accounts.map((a) => [a.username, a.role]),
      [['admin', 'admin']],
    );
    const keys = await second.rollcall.history.listApiKeys();
    assert.equal(keys.filter((k) => k.kind === 'ingest').length, 1, 'one generated ingest key, not one per start');
    await stop(second.rollcall);
  });

  it('gives two data dirs different secrets', async () => {
    const a = mkdtempSync(join(tmpdir(), 'rollcall-first-start-'));
    const b = mkdtempSync(join(tmpdir(), 'rollcall-first-start-'));
    dirs.push(a, b);
    const one = await start(a);
    const two = await start(b);
    assert.notEqual(one.rollcall.firstStart.adminPassword, two.rollcall.firstStart.adminPassword);
    assert.notEqual(one.rollcall.firstStart.ingestKey, two.rollcall.firstStart.ingestKey);
    // One server's ingest key means nothing to the other.
    const answer = await call(
      `${two.url}/v1/sessions`,
      'POST',
      { authorization: `Bearer ${one.rollcall.firstStart.ingestKey}` },
      openBody(),
    );
    assert.equal(answer.status, 401);
  });
});
