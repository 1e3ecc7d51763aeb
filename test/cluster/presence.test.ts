// Three rollcall nodes in this process on one real Redis and one real PostgreSQL: every node answers
// every query from the shared view, every node hears every change under the same seq, a socket session
// resumes on another node with its id, and a stream client reconnects to another node where it left off.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PresenceChange } from '../../src/core/model.ts';
import { sessionConnections, sessionEvents } from '../../src/core/model.ts';
import { CloseCode } from '../../src/ingest/protocol.ts';
import { only } from '../dialects/beyondtrust/xml.ts';
import { adminQuery, command } from '../dialects/beyondtrust/fixtures.ts';
import { createApiKey } from '../dialects/shared/dialect-client.ts';
import { skipUnlessCluster, startClusterBackends, startClusterNode, type ClusterBackends } from '../helpers/cluster.ts';
import { request } from '../helpers/http.ts';
import { closeSession, heartbeat, openSession, updateSession } from '../helpers/ingest.ts';
import { waitFor, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { RawClient } from '../ingest/raw-ws-client.ts';
import { SseClient } from '../stream/sse-client.ts';

const skip = skipUnlessCluster();

describe('a cluster of three nodes on one Redis', { skip }, () => {
  let backends: ClusterBackends;
  const nodes: TestServer[] = [];
  /** What each node heard: [seq, type, session or user id]. */
  const heard: [number, string, string][][] = [];
  const clients: RawClient[] = [];

  before(async () => {
    backends = await startClusterBackends();
    for (let n = 0; n < 3; n++) {
      // History is written when a test says so (flushHistory), so the order of the nodes' writes is the test's.
      const node = await startClusterNode(backends, {
        wsResumeGraceMs: 10_000,
        nodeRole: n === 0 ? 'master' : 'traffic',
        historyFlushMs: 60_000,
      });
      nodes.push(node);
      const log: [number, string, string][] = [];
      heard.push(log);
      node.rollcall.presence.subscribe((change: PresenceChange, seq: number) => log.push([seq, change.type, subjectOf(change)]));
    }
  });

  after(async () => {
    for (const client of clients) client.socket.terminate();
    for (const node of nodes) await node.close();
    await backends?.stop();
  });

  const a = () => nodes[0]!;
  const b = () => nodes[1]!;
  const c = () => nodes[2]!;
  const sessionOn = async (node: TestServer, id: number) => request(node.url, 'GET', `/v1/sessions/${id}`, { headers: node.admin });
  const visibleOn = (node: TestServer, id: number) =>
    waitFor(async () => (await sessionOn(node, id)).status === 200, { what: `session ${id} on ${node.url}` });
  const goneOn = (node: TestServer, id: number) =>
    waitFor(async () => (await sessionOn(node, id)).status === 404, { what: `session ${id} gone on ${node.url}` });

  it('answers a session opened on one node from every node, changed on a second, ended on the third', async () => {
    const id = await openSession(a(), openBody({ user: { id: 'kim', name: 'Kim', type: 'staff' }, hostname: 'kim-pc' }));
    await visibleOn(b(), id);
    await visibleOn(c(), id);
    const onC = (await sessionOn(c(), id)).json;
    assert.equal(onC.hostname, 'kim-pc');
    assert.equal(onC.user.name, 'Kim');
    // Every way of asking counts it: the stats, the metrics gauges, the dialects.
    assert.equal((await request(c().url, 'GET', '/v1/stats', { headers: c().admin })).json.users.online, 1);
    assert.match((await request(b().url, 'GET', '/metrics')).text, /^rollcall_users_online 1$/m);
    const key = (await createApiKey(b())).key;
    const motadata = await request(c().url, 'GET', '/api/v1/settings/users/active-users', { headers: { authorization: `Bearer ${key}` } });
    assert.deepEqual(
      motadata.json.result.map((entry: Record<string, unknown>) => entry['user.name']),
      ['Kim'],
    );
    const clientexec = await request(a().url, 'GET', '/api/users/usersonline', { headers: { 'x-api-key': key } });
    assert.equal(clientexec.json.count, 1);

    await updateSession(b(), id, { hostname: 'renamed-on-b' });
    await waitFor(async () => (await sessionOn(a(), id)).json.hostname === 'renamed-on-b', { what: 'the update on node a' });
    await heartbeat(c(), id);

    await closeSession(c(), id);
    await goneOn(a(), id);
    await goneOn(b(), id);
    const users = await request(a().url, 'GET', '/v1/users?status=offline', { headers: a().admin });
    assert.ok(JSON.stringify(users.json).includes('"kim"'), 'kim is offline on node a');
  });

  it('hears every change on every node, with the same seqs in the same order', async () => {
    for (const log of heard) log.length = 0;
    const ids = [];
    for (let n = 0; n < 6; n++)
      ids.push(await openSession(nodes[n % 3]!, openBody({ user: { id: `seq-${n % 2}`, name: 'S', type: 'staff' } })));
    for (const [n, id] of ids.entries()) await closeSession(nodes[(n + 1) % 3]!, id);
    // 6 starts, 2 onlines, 6 ends, 2 offlines.
    for (const log of heard) await waitFor(() => log.length >= 16, { what: 'every change on every node' });
    assert.deepEqual(heard[1], heard[0]);
    assert.deepEqual(heard[2], heard[0]);
    const seqs = heard[0]!.map(([seq]) => seq);
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => seqs[0]! + i),
      'one seq per change, no gaps',
    );
  });

  it('lists every node as an appliance, with its role, on any node', async () => {
    const appliancesOn = async (node: TestServer) =>
      (await command(node, `${adminQuery}&action=get_appliances`)).root.children.filter((e) => e.name === 'appliance');
    const all = nodes
      .map((n) => n.rollcall.dataDir.nodeId)
      .sort()
      .join();
    // Each node refreshes its list of nodes with its beats: a node started before the others sees them within a beat.
    for (const node of nodes) {
      await waitFor(
        async () =>
          (await appliancesOn(node))
            .map((e) => e.attributes.get('id'))
            .sort()
            .join() === all,
        { what: 'every node listed on each node', timeoutMs: 5_000 },
      );
    }
    const appliances = await appliancesOn(b());
    const ids = appliances.map((e) => e.attributes.get('id')).sort();
    assert.deepEqual(ids, nodes.map((n) => n.rollcall.dataDir.nodeId).sort());
    // In a cluster the dialect calls the master `primary`.
    const roles = Object.fromEntries(appliances.map((e) => [e.attributes.get('id'), only(e, 'cluster_role').text]));
    assert.equal(roles[a().rollcall.dataDir.nodeId], 'primary');
    assert.equal(roles[c().rollcall.dataDir.nodeId], 'traffic');
  });

  it('lists the nodes over /v1/nodes on any node, as get_appliances orders them, with their sessions and which answered', async () => {
    const nodesOn = async (node: TestServer) => (await request(node.url, 'GET', '/v1/nodes', { headers: node.admin })).json.nodes;
    const countsOn = async (node: TestServer): Promise<Record<string, number>> =>
      Object.fromEntries((await nodesOn(node)).map((n: { id: string; sessions: number }) => [n.id, n.sessions]));
    const before = await countsOn(b());
    const opened = [
      await openSession(a(), openBody({ user: { id: 'counted', name: 'Counted', type: 'staff' } })),
      await openSession(c(), openBody({ user: { id: 'counted', name: 'Counted', type: 'staff' } })),
      await openSession(c(), openBody({ user: { id: 'counted', name: 'Counted', type: 'staff' } })),
    ];
    const [idA, idB, idC] = [a(), b(), c()].map((node) => node.rollcall.dataDir.nodeId) as [string, string, string];
    const expected = { ...before, [idA]: (before[idA] ?? 0) + 1, [idC]: (before[idC] ?? 0) + 2 };
    await waitFor(async () => JSON.stringify(await countsOn(b())) === JSON.stringify(expected), { what: 'the new sessions counted on b' });

    const listed = await nodesOn(b());
    const appliances = (await command(b(), `${adminQuery}&action=get_appliances`)).root.children
      .filter((e) => e.name === 'appliance')
      .map((e) => e.attributes.get('id'));
    assert.deepEqual(
      listed.map((n: { id: string }) => n.id),
      appliances,
      'in the order get_appliances lists them',
    );
    assert.deepEqual(
      listed.map((n: { id: string; self: boolean }) => [n.id, n.self]),
      appliances.map((id) => [id, id === idB]),
    );
    assert.deepEqual(Object.fromEntries(listed.map((n: { id: string; role: string }) => [n.id, n.role])), {
      [idA]: 'master',
      [idB]: 'traffic',
      [idC]: 'traffic',
    });
    for (const id of opened) await closeSession(a(), id);
  });

  it("lists a user's sessions on any node before history has them, and ends them all from any node", async () => {
    const wanderer = openBody({ user: { id: 'wanderer', name: 'Wanderer', type: 'staff' } });
    const first = await openSession(a(), wanderer);
    const second = await openSession(c(), wanderer);
    type Listed = { id: number; live: boolean; nodeId: string; endReason?: string; endedBy?: string };
    const sessionsOn = async (node: TestServer): Promise<Listed[]> =>
      (await request(node.url, 'GET', '/v1/users/wanderer/sessions', { headers: node.admin })).json.sessions;
    // Neither start is in the shared history yet (it is written in batches): the live store has both.
    const live = await waitFor(async () => {
      const listed = await sessionsOn(b());
      return listed.length === 2 ? listed : undefined;
    });
    assert.deepEqual(
      live.map((s) => [s.id, s.live, s.nodeId]),
      [
        [second, true, c().rollcall.dataDir.nodeId],
        [first, true, a().rollcall.dataDir.nodeId],
      ],
    );

    const ended = await request(b().url, 'DELETE', '/v1/users/wanderer/sessions', { headers: b().admin });
    assert.deepEqual(ended.json, { ended: 2 });
    await goneOn(a(), first);
    await goneOn(c(), second);
    // The starts are logged by the nodes that opened the sessions, the ends by b, and here b writes first:
    // an end that reaches the log before its start is kept, and the start completes its row.
    for (const node of [b(), a(), c()]) await node.rollcall.presence.flushHistory();
    assert.deepEqual(
      (await sessionsOn(a())).map((s) => [s.id, s.live, s.endReason, s.endedBy, s.nodeId]),
      [
        [second, false, 'ended_by_admin', 'admin', c().rollcall.dataDir.nodeId],
        [first, false, 'ended_by_admin', 'admin', a().rollcall.dataDir.nodeId],
      ],
    );
  });

  const connect = async (node: TestServer) => {
    const client = new RawClient(node.wsUrl);
    clients.push(client);
    await client.opened();
    return client;
  };
  const hello = async (client: RawClient, node: TestServer, sub: string) => {
    client.send({
      type: 'hello',
      token: await node.token({ sub, name: sub, ctypes: ['web'] }),
      session: { clientType: 'web', hostname: `${sub}-pc` },
    });
    return client.next('welcome');
  };

  it('resumes a socket session on another node with its id and a connection there, and no leave or join', async () => {
    const changes: PresenceChange[] = [];
    const stop = c().rollcall.presence.subscribe((change) => changes.push(change));
    const first = await connect(a());
    const welcome = await hello(first, a(), 'roamer');
    const id = welcome.sessionId as number;
    first.socket.terminate();
    await waitFor(async () => (await b().rollcall.presence.getSession(id))?.detached === true, {
      what: 'the session detached, seen on node b',
    });

    const second = await connect(b());
    second.send({ type: 'resume', resumeToken: welcome.resumeToken });
    const again = await second.next('welcome');
    assert.equal(again.sessionId, id);
    await waitFor(async () => (await c().rollcall.presence.getSession(id))?.nodeId === b().rollcall.dataDir.nodeId, {
      what: 'the move, seen on node c',
    });
    const session = (await c().rollcall.presence.getSession(id))!;
    assert.equal(session.detached, false);
    assert.deepEqual(
      sessionEvents(session).map((e) => e.kind),
      ['connected', 'disconnected', 'resumed'],
    );
    // The node it left stays listed; the one it resumed on is added, latest last.
    assert.deepEqual(
      sessionConnections(session).map((conn) => conn.nodeId),
      [a().rollcall.dataDir.nodeId, b().rollcall.dataDir.nodeId],
    );
    stop();
    // The open's user.online, and nothing that says the user left or came back.
    const presenceChanges = changes.filter(
      (change) => change.type === 'session.ended' || change.type === 'user.offline' || change.type === 'user.online',
    );
    assert.deepEqual(
      presenceChanges.map((change) => [change.type, 'session' in change ? change.session.id : change.user.id]),
      [['user.online', 'roamer']],
    );

    // Still attached on b after a's socket is long gone: nothing on a detaches it.
    second.send({ type: 'bye' });
    assert.equal((await second.closedWith()).code, CloseCode.normal);
  });

  it('lets go of a socket still open on one node when its session resumes on another', async () => {
    const stale = await connect(a());
    const welcome = await hello(stale, a(), 'half-open');
    const id = welcome.sessionId as number;
    const fresh = await connect(c());
    fresh.send({ type: 'resume', resumeToken: welcome.resumeToken });
    assert.equal((await fresh.next('welcome')).sessionId, id);
    assert.equal((await stale.closedWith()).code, CloseCode.replaced);
    // The stale socket's close detached nothing: the session stays attached to c. Proving an absence
    // across processes needs a window to look in; socket-sessions.test.ts proves it exactly.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const session = await b().rollcall.presence.getSession(id);
    assert.equal(session?.nodeId, c().rollcall.dataDir.nodeId);
    assert.equal(session?.detached, false);
    fresh.send({ type: 'bye' });
    await fresh.closedWith();
  });

  it('shows a watcher on one node who joins a place on the others, one member per user', async () => {
    const token = (node: TestServer, sub: string) => node.token({ sub, name: sub, ctypes: ['web'], places: ['room:*'] });
    const watcher = await connect(a());
    watcher.send({ type: 'hello', token: await token(a(), 'watcher'), session: { clientType: 'web' } });
    await watcher.next('welcome');
    watcher.send({ type: 'watch', place: 'room:7' });
    await watcher.next('members');
    const events = () =>
      watcher.frames.filter((f) => f.type === 'place').map((f) => `${String(f.event)} ${(f.member as { user: { id: string } }).user.id}`);

    const onB = await connect(b());
    onB.send({ type: 'hello', token: await token(b(), 'kim'), session: { clientType: 'web', places: ['room:7'] } });
    await onB.next('welcome');
    const onC = await connect(c());
    onC.send({ type: 'hello', token: await token(c(), 'kim'), session: { clientType: 'web', places: ['room:7'] } });
    await onC.next('welcome');
    await waitFor(() => events().length >= 2, { what: 'both tabs seen on node A' });
    assert.deepEqual(events(), ['join kim', 'sessions kim'], 'a second tab on another node is no second join');
    for (const client of [onB, onC]) client.send({ type: 'bye' });
    await waitFor(() => events().length >= 4, { what: 'both tabs gone' });
    assert.deepEqual(events().slice(2), ['sessions kim', 'leave kim']);
    watcher.send({ type: 'bye' });
  });

  it('lets a stream client reconnect to another node with Last-Event-ID and miss nothing', async () => {
    const user = { id: 'streamer', name: 'Streamer', type: 'staff' };
    const onA = await SseClient.connect(`${a().url}/v1/events?userId=streamer`, a().admin);
    const id = await openSession(b(), openBody({ user }));
    const [started] = await onA.waitForEvents(2);
    onA.close();
    await updateSession(c(), id, { idle: true });
    await closeSession(a(), id);
    // Every node has applied the end before the client comes back (the test's own ordering).
    await goneOn(b(), id);
    const onB = await SseClient.connect(`${b().url}/v1/events?userId=streamer`, { ...b().admin, 'last-event-id': started!.id! });
    const missed = await onB.waitForEvents(4);
    onB.close();
    assert.deepEqual(
      missed.map((e) => e.json.type),
      ['user.online', 'session.updated', 'session.ended', 'user.offline'],
    );
    assert.ok(!onB.blocks.some((block) => block.event === 'resync'));
  });

  it('replays to a returning stream client from the cluster’s stream on a node started after it left', async () => {
    const user = { id: 'latecomer', name: 'Latecomer', type: 'staff' };
    const onA = await SseClient.connect(`${a().url}/v1/events?userId=latecomer`, a().admin);
    const id = await openSession(b(), openBody({ user }));
    const [started] = await onA.waitForEvents(2);
    onA.close();
    await closeSession(c(), id);
    // A node that did not exist when those changes were made: its own backlog begins after them.
    const late = await startClusterNode(backends);
    nodes.push(late);
    const onLate = await SseClient.connect(`${late.url}/v1/events?userId=latecomer`, { ...late.admin, 'last-event-id': started!.id! });
    const missed = await onLate.waitForEvents(3);
    onLate.close();
    assert.deepEqual(
      missed.map((e) => e.json.type),
      ['user.online', 'session.ended', 'user.offline'],
    );
    assert.deepEqual(
      missed.map((e) => Number(e.id)),
      [1, 2, 3].map((n) => Number(started!.id) + n),
      'the ids they were announced with',
    );
    assert.ok(!onLate.blocks.some((block) => block.event === 'resync'));
  });
});

describe('a node of a cluster stopped on purpose', { skip }, () => {
  let backends: ClusterBackends;
  const nodes: TestServer[] = [];

  before(async () => {
    backends = await startClusterBackends();
    for (let n = 0; n < 2; n++) nodes.push(await startClusterNode(backends, { wsResumeGraceMs: 10_000 }));
  });

  after(async () => {
    for (const node of nodes) await node.close();
    await backends?.stop();
  });

  it('leaves its sockets’ sessions waiting for a resume elsewhere, and leaves the cluster', async () => {
    const [leaving, staying] = nodes as [TestServer, TestServer];
    const changes: PresenceChange[] = [];
    staying.rollcall.presence.subscribe((change) => changes.push(change));
    const client = new RawClient(leaving.wsUrl);
    await client.opened();
    client.send({
      type: 'hello',
      token: await leaving.token({ sub: 'deployed', name: 'D', ctypes: ['web'] }),
      session: { clientType: 'web' },
    });
    const welcome = await client.next('welcome');
    const id = welcome.sessionId as number;

    await leaving.close();
    nodes.shift();
    assert.equal((await client.closedWith()).code, CloseCode.serviceRestart);
    const session = await staying.rollcall.presence.getSession(id);
    assert.equal(session?.detached, true, 'the session waits for its client');
    // A node's list of nodes is refreshed with its beats (once a second): reads never wait for Redis.
    const othersGone = async () =>
      (await staying.rollcall.presence.nodes()).map((node) => node.id).join() === staying.rollcall.dataDir.nodeId;
    await waitFor(othersGone, { what: 'only the staying node listed', timeoutMs: 3_000 });

    const again = new RawClient(staying.wsUrl);
    await again.opened();
    again.send({ type: 'resume', resumeToken: welcome.resumeToken });
    assert.equal((await again.next('welcome')).sessionId, id);
    assert.equal(changes.filter((change) => change.type === 'session.ended' || change.type === 'user.offline').length, 0);
    again.send({ type: 'bye' });
    await again.closedWith();
  });
});

function subjectOf(change: PresenceChange): string {
  return 'session' in change ? String(change.session.id) : change.user.id;
}
