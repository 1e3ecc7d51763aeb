// The Redis live store when Redis loses the cluster's state (src/live/redis/recovery.ts): all of it
// (FLUSHALL, a crash and restart without persistence) or its newest writes (a server behind what the
// nodes saw, as after a failover to a replica that lagged); and node liveness when Redis comes back
// with its data. Several stores (nodes) on one real Redis; each test has a server of its own.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { RESP_TYPES } from '@redis/client';
import { isRollcallError } from '../../src/core/errors.ts';
import type { PresenceChange, Session } from '../../src/core/model.ts';
import { RedisConnection } from '../../src/live/redis/connection.ts';
import { keyList, storeKeys } from '../../src/live/redis/keys.ts';
import { decodeStored, storedProfileRef } from '../../src/live/redis/session-codec.ts';
import { PendingMutations } from '../../src/live/redis/pending-mutations.ts';
import { reassertSessions } from '../../src/live/redis/reassert.ts';
import { RedisLiveStore, type RedisLiveStoreOptions } from '../../src/live/redis/redis-live-store.ts';
import type { LuaScript } from '../../src/live/redis/scripts.ts';
import { decodeEntry } from '../../src/live/redis/stream-entries.ts';
import { InMemoryIdBlockSource } from '../../src/live/session-ids.ts';
import { redisAdmin, skipUnlessRedis, startRedis, withRedisAdmin, type RedisOptions, type RedisServer } from '../helpers/redis.ts';
import { waitFor } from '../helpers/server.ts';
import { makeSession } from '../helpers/sessions.ts';

const skip = skipUnlessRedis();
const PREFIX = 'recovery';
const keys = storeKeys(PREFIX);

interface Node {
  id: string;
  store: RedisLiveStore;
  heard: { seq: number; change: PresenceChange }[];
  resyncs: number;
  faults: string[];
}

const unavailable = (error: unknown) => isRollcallError(error) && error.code === 'unavailable';
const user = (id: string) => ({ id, name: id, type: 'staff' });

/**
 * A stored session without its clock: the times in its array are what the session had at that version
 * and never read back (the clock kept with it, lastActivityAt in the prefix and the deadline, counts).
 */
function withoutStoredClock(session: Session): string {
  const { lastActivityAt: _a, expiresAt: _e, ...rest } = session;
  return JSON.stringify(rest);
}

/** Everything the store keeps in Redis about sessions, as plain values to compare. */
async function redisState(url: string, nodeIds: readonly string[]) {
  const admin = redisAdmin(url);
  await admin.connect();
  try {
    const profiles = await admin.hGetAll(keys.profiles);
    const stored = Object.entries(await admin.hGetAll(keys.sessions)).map(
      ([id, value]) => [id, decodeStored(value, profiles[storedProfileRef(value)] ?? '')] as const,
    );
    return {
      sessions: Object.fromEntries(stored.map(([id, session]) => [id, withoutStoredClock(session)])),
      userSessions: await admin.hGetAll(keys.userSessions),
      detached: (await admin.sMembers(keys.detached)).sort(),
      deadlines: Object.fromEntries((await admin.zRangeWithScores(keys.deadlines, 0, -1)).map(({ value, score }) => [value, score])),
      activity: Object.fromEntries(stored.map(([id, session]) => [id, session.lastActivityAt])),
      profiles,
      profileRefs: await admin.hGetAll(keys.profileRefs),
      placeUsers: await admin.hGetAll(keys.placeUsers),
    };
  } finally {
    admin.destroy();
  }
}

describe('RedisLiveStore when Redis lost the cluster’s state', { skip }, () => {
  const servers: RedisServer[] = [];
  const stores: RedisLiveStore[] = [];
  after(async () => {
    for (const store of stores) await store.close();
    for (const server of servers) await server.stop();
  });

  async function server(options: RedisOptions = {}): Promise<RedisServer> {
    const redis = await startRedis(options);
    servers.push(redis);
    return redis;
  }

  /** `count` nodes node-1… on one Redis, sharing an id counter (as they share history). */
  async function openNodes(
    redis: RedisServer,
    count: number,
    options: Partial<RedisLiveStoreOptions> = {},
    idSource = new InMemoryIdBlockSource(),
  ) {
    const nodes: Node[] = [];
    for (let n = 1; n <= count; n++) {
      const id = `node-${n}`;
      const node: Node = { id, store: undefined as unknown as RedisLiveStore, heard: [], resyncs: 0, faults: [] };
      node.store = await RedisLiveStore.open({
        url: redis.url,
        nodeId: id,
        idSource,
        keyPrefix: PREFIX,
        onError: (error, context) => node.faults.push(`${context}: ${error instanceof Error ? error.message : String(error)}`),
        ...options,
      });
      stores.push(node.store);
      node.store.subscribe((change, seq) => node.heard.push({ seq, change }));
      node.store.onResync(() => node.resyncs++);
      nodes.push(node);
    }
    return nodes;
  }

  async function converged(nodes: readonly Node[]): Promise<void> {
    const target = Math.max(...nodes.map((node) => node.store.appliedSeq()));
    await waitFor(() => nodes.every((node) => node.store.appliedSeq() === target), { what: `every node at seq ${target}` });
  }

  const open = async (node: Node, overrides: Partial<Session> = {}) => {
    const id = await node.store.allocateSessionId();
    return (await node.store.open(makeSession({ id, nodeId: node.id, ...overrides }))).session;
  };

  /** Sessions without their clocks, which a recovery may move forward (the later of the nodes' wins). */
  const withoutClocks = (sessions: Session[]) => sessions.map(({ lastActivityAt: _a, expiresAt: _e, ...rest }) => rest);

  it('puts every session back with its id and version after FLUSHALL, announcing nothing, with one resync per node', async (t) => {
    const redis = await server();
    // Heartbeats are flushed only when a test says so: node-1 holds one that Redis never got.
    const nodes = await openNodes(redis, 4, { activityFlushMs: 600_000 });
    const [one, two, three, four] = nodes as [Node, Node, Node, Node];
    const t0 = Date.now();
    const duoHttp = await open(one, {
      user: user('duo'),
      transport: 'http',
      lifetimeMs: 60_000,
      expiresAt: t0 + 60_000,
      places: ['doc:1'],
    });
    const duoSocket = await open(two, { user: user('duo'), transport: 'websocket', places: ['doc:1', 'doc:2'] });
    const detached = await open(two, { user: user('dora'), transport: 'websocket', detached: true, expiresAt: t0 + 30_000 });
    await open(three, { user: user('carl'), idle: true, view: { m: 'support', v: 'queue', t: 'ticketid|7' } });
    // node-4 stops (on purpose or not, it is gone): its sessions live on in Redis and in every replica.
    const orphans = [await open(four, { user: user('olga'), transport: 'http' }), await open(four, { user: user('duo') })];
    const moved = await two.store.update(duoSocket.id, (s) => ({ ...s, hostname: 'moved' }), Date.now());
    assert.ok(moved);
    await converged(nodes);
    await four.store.close();
    const live = nodes.slice(0, 3);
    await one.store.keepAlive([duoHttp.id], t0 + 5_000); // queued on node-1 only
    const before = await one.store.list();
    assert.equal(before.length, 6);
    const nodeIds = nodes.map((n) => n.id);
    const stateBefore = await redisState(redis.url, nodeIds);
    const seqBefore = Math.max(...live.map((n) => n.store.appliedSeq()));
    const heardBefore = live.map((n) => n.heard.length);

    const flushedAt = Date.now();
    await withRedisAdmin(redis.url, (admin) => admin.flushAll());
    // Reads go on answering the replica while the nodes recover.
    for (const node of live) assert.deepEqual(withoutClocks(await node.store.list()), withoutClocks(before));
    await waitFor(() => live.every((node) => node.resyncs === 1), { what: 'every node recovered', timeoutMs: 10_000 });
    const recoveredMs = Date.now() - flushedAt;

    for (const node of live) {
      assert.deepEqual(
        withoutClocks(await node.store.list()),
        withoutClocks(before),
        `${node.id} answers the same sessions, ids and versions`,
      );
      assert.ok(
        node.faults.some((f) => f.startsWith('redis epoch')),
        `${node.id} reported the loss`,
      );
    }
    const stateAfter = await redisState(redis.url, nodeIds);
    assert.deepEqual(stateAfter.sessions, stateBefore.sessions, 'every session stored again as it was (version and JSON)');
    assert.deepEqual(stateAfter.userSessions, stateBefore.userSessions, 'per-user counts as they were');
    assert.deepEqual(stateAfter.detached, stateBefore.detached);
    assert.deepEqual(stateAfter.profiles, stateBefore.profiles, 'each shared profile kept once again');
    assert.deepEqual(stateAfter.profileRefs, stateBefore.profileRefs, 'counted once per session naming it, not once per re-assert');
    assert.deepEqual(stateBefore.placeUsers, { 'doc:1 duo': '2', 'doc:2 duo': '1', 'ticket:7 carl': '1' });
    assert.deepEqual(stateAfter.placeUsers, stateBefore.placeUsers, "each user's sessions per place counted again, once");
    assert.ok(Object.keys(stateBefore.profiles).length > 0);
    // The heartbeat only node-1 had is the later clock: it wins, on every node too.
    assert.deepEqual(stateAfter.deadlines, { ...stateBefore.deadlines, [duoHttp.id]: t0 + 5_000 + 60_000 });
    assert.deepEqual(stateAfter.activity, { ...stateBefore.activity, [duoHttp.id]: t0 + 5_000 });
    for (const node of live) {
      await waitFor(async () => (await node.store.get(duoHttp.id))?.lastActivityAt === t0 + 5_000, {
        what: `the later clock on ${node.id}`,
      });
    }
    assert.deepEqual(
      live.map((n, i) => n.heard.length - heardBefore[i]!),
      [0, 0, 0],
      'nothing announced: nobody went offline or came back',
    );
    assert.equal((await two.store.get(detached.id))?.detached, true);
    for (const orphan of orphans) assert.ok(await three.store.get(orphan.id), 'a gone node’s session is kept');

    // The seq starts above everything seen: no stream id repeats.
    const fresh = await open(two, { user: user('newcomer') });
    assert.ok(fresh.version > seqBefore, `new seq ${fresh.version} above ${seqBefore}`);
    // First and last session of a user are decided right on the recovered counts.
    const first = await one.store.end(duoHttp.id, { reason: 'closed', at: Date.now() });
    assert.equal(first?.lastOfUser, false, 'duo has two more sessions');
    const second = await three.store.end(duoSocket.id, { reason: 'closed', at: Date.now() });
    assert.equal(second?.lastOfUser, false, 'duo still has the gone node’s session');
    const last = await two.store.end(orphans[1]!.id, { reason: 'closed', at: Date.now() });
    assert.equal(last?.lastOfUser, true);
    await converged(live);
    for (const [i, node] of live.entries()) {
      const since = node.heard.slice(heardBefore[i]);
      const offline = since.filter((h) => h.change.type === 'user.offline' && h.change.user.id === 'duo');
      assert.equal(offline.length, 1, `${node.id} heard duo go offline once`);
      assert.ok(!since.some((h) => h.change.type === 'user.online' && h.change.user.id === 'duo'), 'and never come online again');
      assert.equal(node.resyncs, 1, 'still one resync');
    }
    t.diagnostic(`FLUSHALL under 3 nodes (6 sessions): every node reloaded (one resync each) ${recoveredMs} ms after (grace 2,000 ms)`);
  });

  it('recovers from a crash and restart without data; a change made while it recovers waits and lands in the new epoch', async (t) => {
    const redis = await server();
    const nodes = await openNodes(redis, 2, { recoveryGraceMs: 1_000 });
    const [a, b] = nodes as [Node, Node];
    const sessions = [await open(a), await open(b), await open(b)];
    await converged(nodes);
    const seqBefore = a.store.appliedSeq();
    const epochBefore = await withRedisAdmin(redis.url, (admin) => admin.get(keys.epoch));

    await redis.crash();
    await assert.rejects(
      a.store.update(sessions[0]!.id, (s) => ({ ...s, idle: true }), Date.now()),
      unavailable,
      'Redis down: unavailable, never "unknown session"',
    );
    const restartedAt = Date.now();
    await redis.restart();
    // Node b's reader finds the empty Redis within about a second; a change b makes from then on waits.
    await waitFor(() => b.faults.some((f) => f.startsWith('redis epoch')), { what: 'node b finding the loss', timeoutMs: 10_000 });
    assert.equal(b.resyncs, 0, 'still recovering');
    const changeSentAt = Date.now();
    const changed = await b.store.update(sessions[1]!.id, (s) => ({ ...s, hostname: 'changed-while-recovering' }), Date.now());
    const waitedMs = Date.now() - changeSentAt;
    assert.equal(b.resyncs, 1, 'the change settled after node b rejoined');
    assert.equal(changed?.hostname, 'changed-while-recovering');
    assert.ok(changed!.version > seqBefore);
    await waitFor(() => a.resyncs === 1, { what: 'node a recovered', timeoutMs: 10_000 });
    const recoveredMs = Date.now() - restartedAt;
    await waitFor(async () => (await a.store.get(sessions[1]!.id))?.hostname === 'changed-while-recovering', {
      what: 'the change on node a',
    });
    for (const session of sessions) assert.ok(await a.store.get(session.id));
    const epochAfter = await withRedisAdmin(redis.url, (admin) => admin.get(keys.epoch));
    assert.notEqual(epochAfter, epochBefore, 'a new epoch');
    // Node b made the change after it rejoined, so it heard it live; node a heard it live too, or,
    // when it reloaded after the change landed, found it in its snapshot (and said resync). Either way
    // nothing else: no session started or ended again, no user went offline and online.
    const sinceLoss = (node: Node) => node.heard.filter((h) => h.seq > seqBefore).map((h) => h.change.type);
    assert.deepEqual(sinceLoss(b), ['session.updated'], 'only the change made meanwhile was announced');
    assert.ok(['', 'session.updated'].includes(sinceLoss(a).join()), `node a heard ${sinceLoss(a).join() || 'nothing'}`);
    t.diagnostic(
      `crash + restart without data: both nodes recovered ${recoveredMs} ms after the restart (grace 1,000 ms); a change made meanwhile waited ${waitedMs} ms`,
    );
  });

  it('recovers when Redis lost its newest writes: what it lost comes back, the seq jumps above all, one resync', async (t) => {
    const redis = await server();
    const nodes = await openNodes(redis, 2, { recoveryGraceMs: 500 });
    const [a, b] = nodes as [Node, Node];
    const kept = await open(a, { user: user('kept') });
    const changed = await open(b, { user: user('changed') });
    await converged(nodes);
    // What a lagging replica would have had: every key as it is now.
    const checkpoint = await withRedisAdmin(redis.url, async (admin) => {
      const names = await admin.keys(`{${PREFIX}}:*`);
      const binary = admin.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
      return Promise.all(names.map(async (name) => ({ name, dump: (await binary.dump(name)) as Buffer })));
    });
    // Writes the nodes see and that the server will lose.
    const lost = await open(a, { user: user('lost') });
    const update = await b.store.update(changed.id, (s) => ({ ...s, hostname: 'changed-later' }), Date.now());
    await converged(nodes);
    const seen = Math.max(...nodes.flatMap((n) => n.heard.map((h) => h.seq)));
    const epochBefore = await withRedisAdmin(redis.url, (admin) => admin.get(keys.epoch));

    const rolledBackAt = Date.now();
    await withRedisAdmin(redis.url, async (admin) => {
      const names = await admin.keys(`{${PREFIX}}:*`);
      const tx = admin.multi();
      for (const name of names) tx.del(name);
      for (const { name, dump } of checkpoint) tx.addCommand(['RESTORE', name, '0', dump]);
      await tx.exec();
    });
    await waitFor(() => a.resyncs === 1 && b.resyncs === 1, { what: 'both nodes recovered', timeoutMs: 10_000 });
    const recoveredMs = Date.now() - rolledBackAt;
    assert.notEqual(
      await withRedisAdmin(redis.url, (admin) => admin.get(keys.epoch)),
      epochBefore,
      'the node that found the loss replaced the epoch: every node recovers',
    );
    for (const node of nodes) {
      assert.ok(await node.store.get(kept.id));
      assert.ok(await node.store.get(lost.id), 'the session the server lost is back, with its id');
      assert.equal((await node.store.get(lost.id))?.version, lost.version);
      assert.equal((await node.store.get(changed.id))?.hostname, 'changed-later', 'the newer version replaced the one the server had');
      assert.equal((await node.store.get(changed.id))?.version, update?.version);
    }
    const stored = await redisState(redis.url, ['node-1', 'node-2']);
    assert.deepEqual(stored.userSessions, { kept: '1', changed: '1', lost: '1' });
    const nodeOf = (id: number) => (JSON.parse(stored.sessions[String(id)]!) as Session).nodeId;
    assert.deepEqual([nodeOf(kept.id), nodeOf(lost.id), nodeOf(changed.id)], ['node-1', 'node-1', 'node-2']);
    const fresh = await open(b);
    assert.ok(fresh.version > seen, `the next seq ${fresh.version} is above every seq seen (${seen}): none is handed out twice`);
    t.diagnostic(`Redis rolled back behind the nodes: both recovered ${recoveredMs} ms after (grace 500 ms)`);
  });

  it('does not revive a session ended in the new epoch when a node re-asserts it late, and carries a late one to every node', async () => {
    const redis = await server();
    const nodes = await openNodes(redis, 2, { recoveryGraceMs: 200 });
    const [a, b] = nodes as [Node, Node];
    const ended = await open(a, { user: user('ended') });
    const late = await open(a, { user: user('late') });
    await converged(nodes);
    // Copies as a node that comes back late still holds them.
    const stale = [(await a.store.get(ended.id))!, (await a.store.get(late.id))!];
    await withRedisAdmin(redis.url, (admin) => admin.flushAll());
    await waitFor(() => a.resyncs === 1 && b.resyncs === 1, { what: 'both nodes recovered', timeoutMs: 10_000 });
    await a.store.end(ended.id, { reason: 'closed', at: Date.now() });
    // `late` is gone from Redis as if nobody had re-asserted it in time.
    await withRedisAdmin(redis.url, async (admin) => {
      await admin.hDel(keys.sessions, String(late.id));
      await admin.hDel(keys.userSessions, 'late');
    });
    const epoch = (await withRedisAdmin(redis.url, (admin) => admin.get(keys.epoch)))!;
    const heard = b.heard.length;

    const connection = await RedisConnection.connect({ url: redis.url }, 'late-node', {
      report: () => undefined,
      interrupted: () => undefined,
    });
    try {
      const run = <T>(script: LuaScript, args: readonly string[]) =>
        connection.run<T>(script, keyList(keys), [epoch, '0', '1000', 'late-node', ...args]);
      const result = await reassertSessions(stale, { run });
      assert.deepEqual(result, { open: true, checked: 2, sent: 1 }, 'only the session Redis lacks is sent in full; the ended one is not');
    } finally {
      connection.destroy();
    }
    const state = await redisState(redis.url, ['node-1']);
    assert.equal(state.sessions[String(ended.id)], undefined, 'the ended session stays ended');
    assert.equal(state.userSessions.ended, undefined);
    assert.equal(state.userSessions.late, '1');
    await waitFor(() => b.store.get(late.id), { what: 'the late session on node b (a reassert entry)' });
    assert.equal(await b.store.get(ended.id), undefined);
    assert.equal(b.heard.length, heard, 'a late re-assert announces nothing');
    // The entry takes no seq: the next change follows on.
    const before = b.store.appliedSeq();
    const next = await open(b);
    assert.equal(next.version, before + 1);
  });

  it('takes no node for lost while Redis comes back with its data, until its own connection was steady for the silence limit', async (t) => {
    const redis = await server({ persist: true });
    const silenceMs = 800;
    const nodes = await openNodes(redis, 2);
    const [a, b] = nodes as [Node, Node];
    const node = (id: string) => ({
      id,
      role: 'master' as const,
      hostname: id,
      publicHostname: id,
      version: '1',
      timezoneOffset: 0,
      startedAt: 1,
    });
    await a.store.registerNode(node('node-1'));
    await b.store.registerNode(node('node-2'));
    await a.store.registerNode(node('ghost')); // registered once, never beats: really lost
    const session = await open(b, { transport: 'websocket', user: user('sticky') });
    await converged(nodes);
    // Both nodes beat every 200 ms, as NodeWatch does every second; failures (Redis down) are expected.
    const beating = setInterval(() => {
      for (const n of nodes) void n.store.beat(n.id).catch(() => undefined);
    }, 200);
    try {
      await redis.crash();
      // Down longer than the silence limit: every beat in Redis is older than that when it comes back.
      await new Promise((resolve) => setTimeout(resolve, silenceMs + 400));
      await redis.restart();
      const claimed: string[] = [];
      const backAt = Date.now();
      let firstClaimAt: number | undefined;
      await waitFor(
        async () => {
          const got = await a.store.claimSilentNodes(silenceMs).catch(() => []);
          if (got.length > 0) firstClaimAt ??= Date.now();
          claimed.push(...got);
          return claimed.includes('ghost');
        },
        { what: 'the ghost node claimed', timeoutMs: 10_000, intervalMs: 50 },
      );
      assert.deepEqual(claimed, ['ghost'], 'only the node that is really gone; node-2 had time to beat again');
      assert.ok(firstClaimAt! - backAt >= silenceMs, `claimed ${firstClaimAt! - backAt} ms after Redis came back`);
      assert.deepEqual(await b.store.claimSilentNodes(silenceMs), []);
      assert.ok(await a.store.get(session.id));
      assert.equal(a.resyncs + b.resyncs, 0, 'Redis kept everything: no resync');
      const fresh = await open(a);
      assert.equal(fresh.version, a.store.appliedSeq() - 1, 'the seq went on (a new user: started and online)');
      t.diagnostic(
        `Redis down ${silenceMs + 400} ms with its data: the first claim came ${firstClaimAt! - backAt} ms after it was back (silence ${silenceMs} ms)`,
      );
    } finally {
      clearInterval(beating);
    }
  });
});

describe('PendingMutations', () => {
  it('fails a mutation whose seq another entry took (the server lost its write), instead of waiting forever', async () => {
    const pending = new PendingMutations();
    const mine = pending.begin();
    const entry = pending.entryOf(mine, 42, 40);
    const other = decodeEntry([
      '42-0',
      ['k', 'announce', 'o', 'someone-else', 'd', JSON.stringify({ type: 'user.online', at: 1, user: user('x') })],
    ]);
    if (other.kind === 'activity' || other.kind === 'reassert') throw new Error('a change entry');
    pending.applied(other);
    await assert.rejects(entry, unavailable);
  });
});
