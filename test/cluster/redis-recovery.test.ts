// Three rollcall nodes in this process, holding HTTP and WebSocket sessions and stream clients, while
// their Redis goes away: it restarts without its data, it restarts with its data, or Sentinel fails
// over to its replica. What users were promised: nobody flaps offline and online, every session keeps
// its id on every node, each stream client gets one `resync` at most (exactly one when state was lost),
// session ids and stream ids never repeat, and no node takes the others for lost.
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '@redis/client';
import type { PresenceChange } from '../../src/core/model.ts';
import { storeKeys } from '../../src/live/redis/keys.ts';
import { skipUnlessCluster, startClusterBackends, startClusterNode, type ClusterBackends } from '../helpers/cluster.ts';
import { request } from '../helpers/http.ts';
import { closeSession, heartbeat, openSession } from '../helpers/ingest.ts';
import { startPersistentBackends, startSentinelBackends, type SentinelBackends } from '../helpers/redis-backends.ts';
import { waitFor, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { RawClient } from '../ingest/raw-ws-client.ts';
import { SseClient } from '../stream/sse-client.ts';

const skip = skipUnlessCluster();
/** Sessions of each kind per node. */
const PER_NODE = 2;
/** How long recovering may take in these tests, ms: detection (about 1 s), the grace (2 s), a reload. */
const RECOVERY_TIMEOUT_MS = 15_000;

interface Heard {
  seq: number;
  type: PresenceChange['type'];
  subject: string;
  reason?: string;
}

/** Three nodes, each with a stream client, and sessions of both transports on each. */
class Cluster {
  readonly nodes: TestServer[] = [];
  readonly heard: Heard[][] = [];
  readonly streams: SseClient[] = [];
  readonly sockets = new Map<number, RawClient>();
  /** Every session id handed out, in order. */
  readonly ids: number[] = [];
  /** One user with an HTTP session on node a and a socket session on node b. */
  duo = { http: 0, socket: 0 };

  static async start(backends: ClusterBackends): Promise<Cluster> {
    const cluster = new Cluster();
    for (let n = 0; n < 3; n++) {
      const node = await startClusterNode(backends, { wsResumeGraceMs: 10_000, nodeRole: n === 0 ? 'master' : 'traffic' });
      cluster.nodes.push(node);
      const log: Heard[] = [];
      cluster.heard.push(log);
      node.rollcall.presence.subscribe((change, seq) =>
        log.push({
          seq,
          type: change.type,
          subject: 'session' in change ? String(change.session.id) : change.user.id,
          ...('reason' in change && { reason: change.reason }),
        }),
      );
      cluster.streams.push(await SseClient.connect(`${node.url}/v1/events`, node.admin));
    }
    return cluster;
  }

  /** Closes every node even when one fails to (a test that failed with Redis down). */
  async close(): Promise<void> {
    for (const stream of this.streams) stream.close();
    for (const socket of this.sockets.values()) socket.socket.terminate();
    const failures: unknown[] = [];
    for (const node of this.nodes) await node.close().catch((error: unknown) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  }

  async openSocket(node: TestServer, userId: string): Promise<number> {
    const client = new RawClient(node.wsUrl, { headers: { authorization: node.ingest.authorization! } });
    await client.opened();
    client.send({ type: 'hello', session: openBody({ user: { id: userId, name: userId, type: 'staff' } }) });
    const id = (await client.next('welcome')).sessionId as number;
    this.sockets.set(id, client);
    this.ids.push(id);
    return id;
  }

  async openHttp(node: TestServer, userId: string): Promise<number> {
    const id = await openSession(node, openBody({ user: { id: userId, name: userId, type: 'staff' } }));
    this.ids.push(id);
    return id;
  }

  /** Sessions of both kinds on every node, and duo's two; waits until every node holds all of them. */
  async populate(): Promise<void> {
    for (const [n, node] of this.nodes.entries()) {
      for (let i = 0; i < PER_NODE; i++) {
        await this.openHttp(node, `http-${n}-${i}`);
        await this.openSocket(node, `socket-${n}-${i}`);
      }
    }
    this.duo = { http: await this.openHttp(this.nodes[0]!, 'duo'), socket: await this.openSocket(this.nodes[1]!, 'duo') };
    await this.converged(this.ids.length);
  }

  async converged(count: number): Promise<void> {
    for (const node of this.nodes)
      await waitFor(async () => (await node.rollcall.live.count()) === count, { what: `${count} sessions on ${node.url}` });
  }

  /** What each node answers about the sessions: ids, users, owners, kinds. */
  async views(): Promise<string[][]> {
    return Promise.all(
      this.nodes.map(async (node) =>
        (await node.rollcall.live.list()).map((s) => `${s.id}:${s.user.id}:${s.nodeId}:${s.transport}:${s.detached}`),
      ),
    );
  }

  /** Marks in every node's log and every stream client, to look at what came after. */
  mark(): { heard: number[]; events: number[]; blocks: number[] } {
    return {
      heard: this.heard.map((log) => log.length),
      events: this.streams.map((stream) => stream.events().length),
      blocks: this.streams.map((stream) => stream.blocks.length),
    };
  }

  resyncs(stream: SseClient, since = 0): number {
    return stream.blocks.slice(since).filter((block) => block.event === 'resync').length;
  }

  /** The highest stream event id any client saw. */
  maxEventId(): number {
    return Math.max(...this.streams.flatMap((stream) => stream.events().map((event) => Number(event.id ?? 0))));
  }

  /** Nobody left, came back, or was ended since `mark` (on any node, on any stream). */
  assertNoFlap(mark: ReturnType<Cluster['mark']>): void {
    const flaps = new Set(['session.ended', 'user.offline', 'user.online']);
    for (const [n, log] of this.heard.entries()) {
      const since = log.slice(mark.heard[n]).filter((h) => flaps.has(h.type));
      assert.deepEqual(since, [], `node ${n} announced no end, offline or online`);
    }
    for (const [n, stream] of this.streams.entries()) {
      const since = stream
        .events()
        .slice(mark.events[n])
        .filter((e) => flaps.has(e.json.type));
      assert.deepEqual(
        since.map((e) => e.json.type),
        [],
        `stream client ${n} got no end, offline or online`,
      );
    }
    for (const [id, socket] of this.sockets) assert.equal(socket.closed, undefined, `socket of session ${id} still open`);
  }

  /**
   * Waits until a node registered as `ghost` (and never beating) was claimed as lost, then until every
   * live node beat again: each node's rounds (beat, then claim and end the claimed nodes' sockets) run
   * one after another, so by then every round that could have claimed a live node has finished. Proof
   * that the reapers ran, and had their chance to get it wrong. `redisUrl`: the master now.
   */
  async reaped(redisUrl: string): Promise<void> {
    // Redis may still be on its way back: a failed read is a "not yet".
    const listed = () =>
      this.nodes[0]!.rollcall.live.listNodes().then(
        (nodes) => nodes.some((node) => node.id === 'ghost'),
        () => true,
      );
    await waitFor(async () => !(await listed()), {
      what: 'the ghost node claimed as lost',
      timeoutMs: RECOVERY_TIMEOUT_MS,
      intervalMs: 100,
    });
    const admin = createClient({ url: redisUrl, RESP: 2 });
    admin.on('error', () => undefined);
    await admin.connect();
    try {
      const [seconds, micros] = await admin.sendCommand<[string, string]>(['TIME']);
      const claimedBy = Number(seconds) * 1_000 + Math.floor(Number(micros) / 1_000);
      const ids = this.nodes.map((node) => node.rollcall.dataDir.nodeId);
      await waitFor(
        async () => {
          const beats = await admin.zRangeWithScores(storeKeys('rollcall').beats, 0, -1);
          return ids.every((id) => (beats.find((beat) => beat.value === id)?.score ?? 0) > claimedBy);
        },
        { what: 'every node beating after the claim', timeoutMs: RECOVERY_TIMEOUT_MS, intervalMs: 100 },
      );
    } finally {
      admin.destroy();
    }
  }

  async registerGhost(): Promise<void> {
    await this.nodes[0]!.rollcall.live.registerNode({
      id: 'ghost',
      role: 'traffic',
      hostname: 'ghost',
      publicHostname: 'ghost',
      version: '0',
      timezoneOffset: 0,
      startedAt: Date.now(),
    });
  }

  /** No session ended as node_lost, on any node, since `mark`. */
  assertNoNodeLost(mark: ReturnType<Cluster['mark']>): void {
    for (const [n, log] of this.heard.entries()) {
      assert.deepEqual(
        log.slice(mark.heard[n]).filter((h) => h.reason === 'node_lost'),
        [],
        `node ${n} ended nothing as node_lost`,
      );
    }
  }

  /**
   * After Redis came back: a new session gets an id never used before and a stream id above all seen;
   * duo's sessions end one after the other: offline once, on the second.
   */
  async assertFreshIdsAndLastOfUser(mark: ReturnType<Cluster['mark']>, t: TestContext): Promise<void> {
    const [a, b, c] = this.nodes as [TestServer, TestServer, TestServer];
    const maxSeen = this.maxEventId();
    const used = new Set(this.ids);
    const fresh = await this.openHttp(c, 'newcomer');
    assert.ok(!used.has(fresh), `session id ${fresh} never used before`);
    assert.ok(fresh > Math.max(...used), 'ids keep increasing (history’s counter)');
    for (const stream of this.streams) {
      await waitFor(() => stream.events().find((e) => e.json.type === 'session.started' && e.json.session.id === fresh), {
        what: 'the new session on every stream',
      });
      const started = stream.events().find((e) => e.json.type === 'session.started' && e.json.session.id === fresh)!;
      assert.ok(Number(started.id) > maxSeen, `stream id ${started.id} above every id seen before (${maxSeen})`);
    }
    await heartbeat(a, this.duo.http);
    await closeSession(a, this.duo.http);
    const socket = this.sockets.get(this.duo.socket)!;
    socket.send({ type: 'bye' });
    await socket.closedWith();
    this.sockets.delete(this.duo.socket);
    for (const [n, stream] of this.streams.entries()) {
      await waitFor(() => stream.events().some((e) => e.json.type === 'user.offline' && e.json.user.id === 'duo'), {
        what: `duo offline on stream ${n}`,
      });
      const duo = stream
        .events()
        .slice(mark.events[n])
        .filter((e) => e.json.user?.id === 'duo' || e.json.session?.user.id === 'duo');
      assert.deepEqual(
        duo.map((e) => e.json.type),
        ['session.ended', 'session.ended', 'user.offline'],
        `stream ${n}: offline once, after the second end`,
      );
    }
    t.diagnostic(
      `after recovery: new session ${fresh}, stream ids above ${maxSeen}; b still answers ${await b.rollcall.live.count()} sessions`,
    );
  }
}

describe('a cluster of three nodes when Redis restarts without its data', { skip }, () => {
  let backends: ClusterBackends;
  let cluster: Cluster;

  before(async () => {
    backends = await startClusterBackends();
    cluster = await Cluster.start(backends);
  });
  after(async () => {
    await cluster?.close();
    await backends?.stop();
  });

  it('keeps every session with its id on every node, announces no flap, and tells each stream client once', async (t) => {
    await cluster.populate();
    const views = await cluster.views();
    const mark = cluster.mark();

    await backends.redis.crash();
    await backends.redis.restart();
    const restartedAt = Date.now();
    for (const [n, stream] of cluster.streams.entries()) {
      await waitFor(() => cluster.resyncs(stream, mark.blocks[n]) >= 1, {
        what: `a resync on stream ${n}`,
        timeoutMs: RECOVERY_TIMEOUT_MS,
      });
    }
    const recoveredMs = Date.now() - restartedAt;
    assert.deepEqual(await cluster.views(), views, 'every node answers the same sessions, with the same ids');
    for (const node of cluster.nodes) {
      for (const id of cluster.ids)
        assert.equal((await request(node.url, 'GET', `/v1/sessions/${id}`, { headers: node.admin })).status, 200);
    }
    cluster.assertNoFlap(mark);

    // Nodes take no one for lost; a node that never beats again is.
    await cluster.registerGhost();
    await cluster.reaped(backends.redis.url);
    cluster.assertNoNodeLost(mark);
    await cluster.assertFreshIdsAndLastOfUser(mark, t);
    for (const [n, stream] of cluster.streams.entries())
      assert.equal(cluster.resyncs(stream, mark.blocks[n]), 1, `stream client ${n} got exactly one resync`);
    t.diagnostic(
      `Redis restarted empty under 3 nodes (${cluster.ids.length} sessions): every stream client had its resync ${recoveredMs} ms after the restart`,
    );
  });
});

describe('a cluster of three nodes when Redis restarts with its data', { skip }, () => {
  let backends: ClusterBackends;
  let cluster: Cluster;

  before(async () => {
    backends = await startPersistentBackends();
    cluster = await Cluster.start(backends);
  });
  after(async () => {
    await cluster?.close();
    await backends?.stop();
  });

  it('loses nothing, needs no resync, and takes no node for lost though every beat is older than the silence limit', async (t) => {
    await cluster.populate();
    await cluster.registerGhost();
    const views = await cluster.views();
    const lastSeq = Math.max(...cluster.nodes.map((node) => node.rollcall.presence.appliedSeq()));
    const mark = cluster.mark();

    await backends.redis.crash();
    // Down longer than the silence limit (3 s): every beat in Redis is that old when it comes back.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    await backends.redis.restart();
    const restartedAt = Date.now();
    await cluster.reaped(backends.redis.url);
    const claimedMs = Date.now() - restartedAt;
    cluster.assertNoNodeLost(mark);
    assert.deepEqual(await cluster.views(), views);
    cluster.assertNoFlap(mark);
    const fresh = await cluster.openHttp(cluster.nodes[1]!, 'after-restart');
    const started = cluster.heard[0]!.find((h) => h.type === 'session.started' && h.subject === String(fresh));
    assert.ok(started);
    assert.equal(started.seq, lastSeq + 1, 'the seq goes on: nothing lost, nothing skipped');
    await cluster.assertFreshIdsAndLastOfUser(mark, t);
    for (const [n, stream] of cluster.streams.entries())
      assert.equal(cluster.resyncs(stream, mark.blocks[n]), 0, `stream client ${n}: no resync`);
    t.diagnostic(
      `Redis down 4 s with its data: the ghost node claimed and every node beating again ${claimedMs} ms after the restart; no live node claimed`,
    );
  });
});

describe('a cluster of three nodes on Redis Sentinel when the master dies', { skip }, () => {
  let backends: SentinelBackends;
  let cluster: Cluster;

  before(async () => {
    backends = await startSentinelBackends();
    cluster = await Cluster.start(backends);
  });
  after(async () => {
    await cluster?.close();
    await backends?.stop();
  });

  it('follows the promoted replica: no flap, the same ids, at most one resync, nobody taken for lost', async (t) => {
    await cluster.populate();
    await cluster.registerGhost();
    const views = await cluster.views();
    const mark = cluster.mark();
    // Every write reached the replica before the master dies (a quiet cluster loses nothing).
    const admin = createClient({ url: backends.sentinels.master.url });
    admin.on('error', () => undefined);
    await admin.connect();
    assert.equal(await admin.sendCommand(['WAIT', '1', '5000']), 1);
    admin.destroy();

    const master = await backends.sentinels.currentMaster();
    const killedAt = Date.now();
    await backends.sentinels.master.crash();
    await backends.sentinels.waitForNewMaster(master);
    const promotedMs = Date.now() - killedAt;
    // Nodes write again once they found the new master (a 503 meanwhile). The probe is one more
    // session of a user already online: no user.online.
    const c = cluster.nodes[2]!;
    const probe = await waitFor(
      async () => {
        const answer = await request(c.url, 'POST', '/v1/sessions', {
          headers: c.ingest,
          body: openBody({ user: { id: 'http-2-0', name: 'http-2-0', type: 'staff' } }),
        });
        return answer.status === 201 ? (answer.json.id as number) : undefined;
      },
      { what: 'node c writing to the new master', timeoutMs: RECOVERY_TIMEOUT_MS, intervalMs: 100 },
    );
    cluster.ids.push(probe);
    const writingMs = Date.now() - killedAt;
    const now = await backends.sentinels.currentMaster();
    await cluster.reaped(`redis://${now.host}:${now.port}`);
    cluster.assertNoNodeLost(mark);
    await cluster.converged(cluster.ids.length);
    const after = await cluster.views();
    for (const [n, view] of after.entries()) {
      assert.deepEqual(
        view.filter((line) => !line.startsWith(`${probe}:`)),
        views[n],
        `node ${n} answers the same sessions`,
      );
    }
    cluster.assertNoFlap(mark);
    for (const [n, stream] of cluster.streams.entries())
      assert.ok(cluster.resyncs(stream, mark.blocks[n]) <= 1, `stream client ${n}: one resync at most`);
    await cluster.assertFreshIdsAndLastOfUser(mark, t);
    t.diagnostic(`master killed: Sentinel promoted the replica after ${promotedMs} ms; the nodes wrote again after ${writingMs} ms`);
  });
});
