// GET /v1/nodes on a single process: the one node, which answered, with its live sessions counted as
// sessions are reported through the real ingest. (test/cluster/presence.test.ts asks a cluster.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import packageJson from '../../package.json' with { type: 'json' };
import { request } from '../helpers/http.ts';
import { closeSession, openSession } from '../helpers/ingest.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer({ publicHostname: 'presence.example.test' });
});
after(async () => {
  await server.close();
});

describe('GET /v1/nodes', () => {
  it('answers this node, with what it is, how long it has run and its live sessions', async () => {
    const empty = await request(server.url, 'GET', '/v1/nodes', { headers: server.admin });
    assert.equal(empty.status, 200, empty.text);
    assert.equal(empty.json.nodes.length, 1);
    const [node] = empty.json.nodes;
    assert.deepEqual(Object.keys(node).sort(), [
      'hostname',
      'id',
      'publicHostname',
      'role',
      'self',
      'sessions',
      'startedAt',
      'uptimeSeconds',
      'version',
    ]);
    assert.deepEqual(
      { ...node, startedAt: undefined, uptimeSeconds: undefined },
      {
        id: server.rollcall.presence.nodeId,
        hostname: hostname(),
        publicHostname: 'presence.example.test',
        role: 'master',
        version: packageJson.version,
        startedAt: undefined,
        uptimeSeconds: undefined,
        sessions: 0,
        self: true,
      },
    );
    const now = Date.now() / 1000;
    assert.ok(node.startedAt <= now && node.startedAt > now - 300, 'Unix seconds');
    assert.ok(node.uptimeSeconds >= 0 && node.uptimeSeconds <= Math.ceil(now - node.startedAt));

    const ids = [await openSession(server, openBody()), await openSession(server, openBody({ user: { id: 'other', name: 'Other' } }))];
    const busy = await request(server.url, 'GET', '/v1/nodes', { headers: server.admin });
    assert.equal(busy.json.nodes[0].sessions, 2);
    for (const id of ids) await closeSession(server, id);
  });

  it('is for readers: 401 without credentials or with the ingest key', async () => {
    assert.equal((await request(server.url, 'GET', '/v1/nodes')).status, 401);
    assert.equal((await request(server.url, 'GET', '/v1/nodes', { headers: { authorization: server.ingest.authorization! } })).status, 401);
    const reader = await request(server.url, 'POST', '/v1/accounts', {
      headers: { ...server.admin, 'content-type': 'application/json' },
      body: { username: 'node-reader', role: 'reader', password: 'node-reader-password' },
    });
    assert.equal(reader.status, 201, reader.text);
    const answer = await request(server.url, 'GET', '/v1/nodes', {
      headers: { authorization: `Basic ${Buffer.from('node-reader:node-reader-password').toString('base64')}` },
    });
    assert.equal(answer.status, 200, answer.text);
  });
});
