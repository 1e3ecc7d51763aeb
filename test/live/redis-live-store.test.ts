// The Redis live store against a real redis-server (test/helpers/redis.ts): the shared LiveStore
// contract, then what only a cluster shows, with two or three stores (nodes) on one Redis. Each test's
// cluster has a key prefix of its own, so tests on one server never see each other's state; tests
// that crash or flush Redis get a server of their own.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRollcallError } from '../../src/core/errors.ts';
import type { PresenceChange, Session } from '../../src/core/model.ts';
import { storeKeys } from '../../src/live/redis/keys.ts';
import { decodeStored, storedProfileRef } from '../../src/live/redis/session-codec.ts';
import { RedisLiveStore, type RedisLiveStoreOptions } from '../../src/live/redis/redis-live-store.ts';
import { InMemoryIdBlockSource } from '../../src/live/session-ids.ts';
import { redisAdmin, skipUnlessRedis, startRedis, withRedisAdmin, type RedisServer } from '../helpers/redis.ts';
import { waitFor } from '../helpers/server.ts';
import { sessionPlaces } from '../../src/core/places.ts';
import { makeSession } from '../helpers/sessions.ts';
import { describeLiveStoreContract } from './live-store.contract.ts';

const skip = skipUnlessRedis();

if (skip === false) {
  describeLiveStoreContract('redis', async () => {
    const redis = await startRedis();
    const store = await RedisLiveStore.open({ url: redis.url, nodeId: 'contract-node', idSource: new InMemoryIdBlockSource() });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await redis.stop();
      },
    };
  });
}

interface Fault {
  node: string;
  context: string;
  error: unknown;
}

interface Cluster {
  nodes: RedisLiveStore[];
  /** What the nodes reported through onError. */
  faults: Fault[];
  prefix: string;
  /** Opens one more node of this cluster (a node started later). */
  join(): Promise<RedisLiveStore>;
}

const unavailable = (error: unknown) => isRollcallError(error) && error.code === 'unavailable';

describe('RedisLiveStore as a cluster', { skip }, () => {
  let redis: RedisServer;
  const servers: RedisServer[] = [];
  const stores: RedisLiveStore[] = [];
  let clusters = 0;

  before(async () => {
    redis = await startRedis();
    servers.push(redis);
  });
  after(async () => {
    for (const store of stores) await store.close();
    for (const server of servers) await server.stop();
  });

  /** `count` nodes sharing one key prefix and one id counter (as they share history). */
  async function openCluster(count: number, options: Partial<RedisLiveStoreOptions> = {}): Promise<Cluster> {
    const prefix = `test-${++clusters}`;
    const idSource = new InMemoryIdBlockSource();
    const faults: Fault[] = [];
    const nodes: RedisLiveStore[] = [];
    const join = async () => {
      const nodeId = `node-${nodes.length + 1}`;
      const store = await RedisLiveStore.open({
        url: redis.url,
        nodeId,
        idSource,
        keyPrefix: prefix,
        onError: (error, context) => faults.push({ node: nodeId, context, error }),
        ...options,
      });
      stores.push(store);
      nodes.push(store);
      return store;
    };
    for (let i = 0; i < count; i++) await join();
    return { nodes, faults, prefix, join };
  }

  /** Waits until every node applied every change any of them has applied. */
  async function converged(nodes: readonly RedisLiveStore[]): Promise<void> {
    const target = Math.max(...nodes.map((node) => node.appliedSeq()));
    await waitFor(() => nodes.every((node) => node.appliedSeq() === target), { what: `every node at seq ${target}` });
  }

  /** Records what a node hears: each change with its seq. */
  function hear(node: RedisLiveStore) {
    const heard: { seq: number; change: PresenceChange }[] = [];
    node.subscribe((change, seq) => heard.push({ seq, change }));
    return heard;
  }

  it('answers on every node a session opened on one, deep-equal to what was opened (JSON round trip)', async () => {
    const [a, b, c] = (await openCluster(3)).nodes as [RedisLiveStore, RedisLiveStore, RedisLiveStore];
    const now = Date.now();
    // Shaped as the core makes sessions: every key present, absent ones as undefined (session-input.ts),
    // and strings JSON must escape.
    const opened: Session = {
      id: await a.allocateSessionId(),
      user: { id: 'jürgen', name: 'Jürgen "Ø" \\ Øster\nline two \ud800', email: 'j@example.com', type: 'staff', username: 'jo' },
      clientType: 'representative',
      transport: 'websocket',
      hostname: 'ΣΙΣΥΦΟΣ',
      platform: { id: 'winNT-64', name: 'Windows 11 (x64)' },
      timezoneOffset: undefined,
      userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36',
      clientHints: {
        platform: 'Windows',
        platformVersion: '19.0.0',
        fullVersionList: [{ brand: 'Google Chrome', version: '134.0.6998.88' }],
      },
      agent: { browser: 'Chrome', version: '134.0.6998.88', majorVersion: 134, os: 'Windows', osVersion: '11' },
      privateIp: undefined,
      remoteAddress: '10.0.0.7',
      idle: false,
      view: { m: 'support', v: 'getticket', t: 'ticketid|1' },
      places: ['doc:42'],
      representative: {
        type: 'Normal',
        presentationCount: 0,
        supportSessionCount: 1,
        showingOnRepList: true,
        routingIdle: false,
        routingBusy: false,
        routingEnabled: true,
        routingAvailable: true,
        supportSessionLsids: ['lsid-1'],
      },
      customer: undefined,
      startedAt: now,
      lastActivityAt: now,
      expiresAt: now + 75_000,
      lifetimeMs: 75_000,
      nodeId: 'node-1',
      nodeRole: 'master',
      connections: undefined,
      events: undefined,
      resumeSecretHash: 'c2VjcmV0',
      detached: false,
      version: 0,
    };
    const { session: stored, firstOfUser } = await a.open(opened);
    assert.equal(firstOfUser, true);
    assert.deepEqual(stored, { ...opened, version: stored.version }, 'what the store answers is what was opened, with its version');
    assert.deepEqual(Object.keys(stored), Object.keys(opened), 'every key kept, in its order');
    for (const node of [b, c]) {
      const copy = await waitFor(() => node.get(opened.id), { what: 'the session on another node' });
      assert.deepEqual(copy, stored);
    }

    // A resume on another node moves the session there; every node sees the same next state.
    const resumed = await b.update(opened.id, (s) => ({ ...s, nodeId: 'node-2', nodeRole: 'traffic', detached: false }), now + 1);
    assert.ok(resumed && resumed.version > stored.version);
    await converged([a, b, c]);
    for (const node of [a, c]) assert.deepEqual(await node.get(opened.id), resumed);
  });

  it('takes no change answered while its epoch check is under way for a loss', async () => {
    // The reader checks Redis's seq against what this node saw when idle (verify). A script answered
    // on the other connection after Redis answered that check, but before this process read it, must
    // not count: found under load by the cluster benchmark, as "Redis lost the cluster's live state".
    const { nodes, faults } = await openCluster(1);
    const node = nodes[0]!;
    type Internals = { reader: { send(args: readonly string[]): Promise<unknown> }; repliedSeq: number };
    const internals = node as unknown as Internals;
    const send = internals.reader.send.bind(internals.reader);
    let raced = 0;
    const opened: Promise<unknown>[] = [];
    internals.reader.send = async (args) => {
      const reply = await send(args);
      if (args[0] === 'MGET' && raced < 2) {
        raced++;
        const before = internals.repliedSeq;
        opened.push(node.open(makeSession({ id: await node.allocateSessionId() })));
        await waitFor(() => internals.repliedSeq > before, { what: 'the open answered' });
      }
      return reply;
    };
    await waitFor(() => raced === 2, { what: 'two idle checks with a change answered meanwhile', timeoutMs: 10_000 });
    await Promise.all(opened);
    assert.deepEqual(
      faults.map((f) => f.context),
      [],
    );
    assert.equal(await node.count(), 2);
  });

  it('keeps a profile once for the sessions sharing it, and lets it go with the last one', async () => {
    const { nodes, prefix } = await openCluster(2);
    const [a, b] = nodes as [RedisLiveStore, RedisLiveStore];
    const keys = storeKeys(prefix);
    const chrome = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36';
    const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
    const opened = async (userAgent: string) =>
      (
        await a.open(
          makeSession({ id: await a.allocateSessionId(), userAgent, nodeId: 'node-1', platform: { id: 'linux', name: 'Linux' } }),
        )
      ).session;
    const counts = () =>
      withRedisAdmin(redis.url, async (admin) => {
        const profiles = await admin.hGetAll(keys.profiles);
        const refs = await admin.hGetAll(keys.profileRefs);
        // A profile is [userAgent, platform, nodeId, role] (session-codec.ts).
        const name = (ref: string) => {
          const [agent, , node] = JSON.parse(profiles[ref]!) as [string, unknown, string];
          return `${agent === chrome ? 'chrome' : 'firefox'} on ${node}`;
        };
        return Object.fromEntries(Object.entries(refs).map(([ref, count]) => [name(ref), Number(count)]));
      });
    const [one, two, three] = [await opened(chrome), await opened(chrome), await opened(firefox)];
    assert.deepEqual(await counts(), { 'chrome on node-1': 2, 'firefox on node-1': 1 });

    // A change of user agent moves the session to another profile; a resume to another node too.
    await b.update(three.id, (s) => ({ ...s, userAgent: chrome }), Date.now());
    assert.deepEqual(await counts(), { 'chrome on node-1': 3 });
    await b.update(two.id, (s) => ({ ...s, nodeId: 'node-2' }), Date.now());
    assert.deepEqual(await counts(), { 'chrome on node-1': 2, 'chrome on node-2': 1 });

    // Every node reads the sessions with their profiles; the last session of a profile takes it along.
    await converged([a, b]);
    assert.equal((await a.get(two.id))?.nodeId, 'node-2');
    assert.equal((await a.get(three.id))?.userAgent, chrome);
    for (const session of [one, two, three]) await b.end(session.id, { reason: 'closed', at: Date.now() });
    assert.deepEqual(await counts(), {});
    assert.equal(await withRedisAdmin(redis.url, (admin) => admin.exists(keys.profiles)), 0);
  });

  it('gives every node the same changes with the same seqs in the same order', async () => {
    const { nodes, prefix } = await openCluster(3);
    const heard = nodes.map(hear);
    const user = (n: number) => ({ id: `user-${n % 4}`, name: `User ${n % 4}`, type: 'staff' });
    // Every node changes sessions at once: opens, updates, touches that change the view, ends, announcements.
    await Promise.all(
      nodes.map(async (node, n) => {
        const ids: number[] = [];
        for (let i = 0; i < 12; i++) {
          const id = await node.allocateSessionId();
          ids.push(id);
          await node.open(makeSession({ id, user: user(i + n), nodeId: `node-${n + 1}`, places: [`doc:${i % 3}`] }));
        }
        await Promise.all(
          ids.slice(0, 4).map((id, i) => node.update(id, (s) => ({ ...s, hostname: `host-${n}-${i}`, places: ['doc:9'] }), Date.now())),
        );
        await node.touch(
          ids.slice(4, 8).map((id) => ({ id, view: { m: 'm', v: `v${n}`, t: `ticketid|${id % 2}` } })),
          Date.now(),
        );
        await Promise.all(ids.slice(8).map((id) => node.end(id, { reason: 'closed', at: Date.now() })));
        await node.announce([{ type: 'user.online', at: 1, user: { id: `ghost-${n}`, name: 'Ghost', type: 'staff' } }]);
      }),
    );
    await converged(nodes);
    const [first, ...others] = heard as [(typeof heard)[number], ...typeof heard];
    assert.ok(first.length >= 3 * (12 + 4 + 4 + 4 + 1), `heard ${first.length} changes`);
    for (const other of others)
      assert.equal(JSON.stringify(other), JSON.stringify(first), 'the same changes, seqs and order on every node');
    const seqs = first.map((h) => h.seq);
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => seqs[0]! + i),
      'one seq per change, no gaps',
    );
    for (const { seq, change } of first) {
      if ('session' in change) assert.equal(change.session.version, seq, 'a session version is the seq of its change');
    }
    const lists = await Promise.all(nodes.map((node) => node.list()));
    for (const list of lists.slice(1)) assert.deepEqual(list, lists[0], 'the same sessions on every node');
    assert.equal(lists[0]!.length, 3 * 8);

    // Places: what the scripts counted per user and place is what the live sessions say, after all that
    // ran at once; and every user in a place joined it once more than they left it.
    const types = first.map((h) => h.change.type);
    assert.ok(types.includes('place.join') && types.includes('place.leave'), 'place changes among them');
    const expected: Record<string, string> = {};
    for (const session of lists[0]!) {
      for (const place of sessionPlaces(session)) {
        const field = `${place} ${session.user.id}`;
        expected[field] = String(Number(expected[field] ?? 0) + 1);
      }
    }
    assert.deepEqual(await withRedisAdmin(redis.url, (admin) => admin.hGetAll(storeKeys(prefix).placeUsers)), expected);
    const balance = new Map<string, number>();
    for (const { change } of first) {
      if (change.type !== 'place.join' && change.type !== 'place.leave') continue;
      const field = `${change.place} ${change.user.id}`;
      balance.set(field, (balance.get(field) ?? 0) + (change.type === 'place.join' ? 1 : -1));
    }
    for (const [field, count] of balance) assert.equal(count, field in expected ? 1 : 0, field);
  });

  it('applies every one of concurrent compare-and-set updates of one session from two nodes', async () => {
    const [a, b] = (await openCluster(2)).nodes as [RedisLiveStore, RedisLiveStore];
    const id = await a.allocateSessionId();
    await a.open(makeSession({ id }));
    await waitFor(() => b.get(id), { what: 'the session on node b' });
    const appendEvent = (node: RedisLiveStore, at: number) =>
      node.update(id, (s) => ({ ...s, events: [...(s.events ?? []), { at, kind: 'resumed' as const, text: `r${at}` }] }), Date.now());
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => appendEvent(a, i)),
      ...Array.from({ length: 10 }, (_, i) => appendEvent(b, 100 + i)),
    ]);
    await converged([a, b]);
    const expected = [...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 100 + i)];
    for (const node of [a, b]) {
      const events = (await node.get(id))?.events?.map((e) => e.at).sort((x, y) => x - y);
      assert.deepEqual(events, expected, 'no update lost');
    }
  });

  it('hands a session ended by three nodes at once to exactly one of them, announced once everywhere', async () => {
    const { nodes } = await openCluster(3);
    const id = await nodes[0]!.allocateSessionId();
    await nodes[0]!.open(makeSession({ id }));
    for (const node of nodes) await waitFor(() => node.get(id), { what: 'the session on every node' });
    const heard = nodes.map(hear);
    const results = await Promise.all(nodes.map((node) => node.end(id, { reason: 'closed', at: Date.now() })));
    assert.equal(results.filter(Boolean).length, 1);
    await converged(nodes);
    for (const [n, node] of nodes.entries()) {
      assert.equal(await node.get(id), undefined);
      const ends = heard[n]!.filter((h) => h.change.type === 'session.ended');
      assert.equal(ends.length, 1, `node ${n + 1} heard the end once`);
    }
  });

  it('loads every session into a node started later, while others keep changing them, then follows the stream', async () => {
    const cluster = await openCluster(1);
    const a = cluster.nodes[0]!;
    // More sessions than one snapshot chunk (1,000), some changed, some ended.
    const ids: number[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const opened = await Promise.all(
        Array.from({ length: 300 }, async () => {
          const id = await a.allocateSessionId();
          await a.open(makeSession({ id, user: { id: `u${id % 97}`, name: 'U', type: 'staff' } }));
          return id;
        }),
      );
      ids.push(...opened);
    }
    await Promise.all(ids.slice(0, 200).map((id) => a.update(id, (s) => ({ ...s, idle: true }), Date.now())));
    await Promise.all(ids.slice(200, 300).map((id) => a.end(id, { reason: 'closed', at: Date.now() })));

    // Node a keeps changing sessions while the new node loads: snapshot and replay must converge.
    let churning = true;
    const churn = (async () => {
      for (let i = 300; churning && i < ids.length; i++) {
        const id = ids[i]!;
        if (i % 3 === 0) await a.end(id, { reason: 'closed', at: Date.now() });
        else await a.update(id, (s) => ({ ...s, hostname: `moved-${i}` }), Date.now());
        if (i % 5 === 0) {
          const fresh = await a.allocateSessionId();
          await a.open(makeSession({ id: fresh }));
        }
      }
    })();
    const late = await cluster.join();
    churning = false;
    await churn;
    await converged([a, late]);
    assert.deepEqual(await late.list(), await a.list(), 'the late node holds what the others hold');
    assert.deepEqual(await late.tally(), await a.tally());
    // In no particular order (each node's in the order its replica met the users).
    assert.deepEqual((await late.onlineUserIds()).sort(), (await a.onlineUserIds()).sort());

    const heard = hear(late);
    const id = await a.allocateSessionId();
    await a.open(makeSession({ id }));
    await waitFor(() => heard.some((h) => h.change.type === 'session.started' && h.change.session.id === id), {
      what: 'the late node hearing a new session',
    });
  });

  it('shows one node’s heartbeats on the others after a flush, and they keep the session from being claimed', async () => {
    const [a, b] = (await openCluster(2, { activityFlushMs: 20 })).nodes as [RedisLiveStore, RedisLiveStore];
    const t0 = Date.now();
    const id = await a.allocateSessionId();
    await a.open(makeSession({ id, startedAt: t0, lastActivityAt: t0, expiresAt: t0 + 60_000, lifetimeMs: 60_000 }));
    await waitFor(() => b.get(id), { what: 'the session on node b' });
    const t1 = t0 + 30_000;
    assert.deepEqual(await a.keepAlive([id], t1), []);
    assert.equal((await a.get(id))?.lastActivityAt, t1, 'the heartbeat shows on its own node at once');
    await waitFor(async () => (await b.get(id))?.lastActivityAt === t1, { what: 'the heartbeat on node b' });
    assert.equal((await b.get(id))?.expiresAt, t1 + 60_000);
    assert.deepEqual(await b.claimExpired(t0 + 70_000, 10), [], 'the heartbeat moved the deadline in Redis too');
    const claimed = await b.claimExpired(t1 + 60_000, 10);
    assert.deepEqual(
      claimed.map((c) => [c.session.id, c.reason, c.session.lastActivityAt]),
      [[id, 'expired', t1]],
    );
  });

  it('flushes its own heartbeats before it claims, and lets a detached session keep its grace deadline', async () => {
    // Flushes only when told: a claim, or a close.
    const [a, b] = (await openCluster(2, { activityFlushMs: 600_000 })).nodes as [RedisLiveStore, RedisLiveStore];
    const t0 = Date.now();
    const [kept, detached] = [await a.allocateSessionId(), await a.allocateSessionId()];
    for (const id of [kept, detached]) {
      await a.open(
        makeSession({ id, transport: 'websocket', startedAt: t0, lastActivityAt: t0, expiresAt: t0 + 60_000, lifetimeMs: 60_000 }),
      );
    }
    await a.keepAlive([kept, detached], t0 + 30_000);
    // The socket of `detached` closes before the heartbeat was flushed: its deadline is now the grace's.
    const grace = t0 + 5_000;
    await a.update(detached, (s) => ({ ...s, detached: true, expiresAt: grace }), t0 + 30_001);
    assert.deepEqual(await a.claimExpired(t0 + 70_000, 0), [], 'a claim of nothing still flushes');
    await converged([a, b]);
    assert.equal((await b.get(kept))?.lastActivityAt, t0 + 30_000);
    assert.equal((await b.get(detached))?.expiresAt, grace, 'a heartbeat from before the detach does not extend the grace');
    const claimed = await b.claimExpired(t0 + 70_000, 10);
    assert.deepEqual(
      claimed.map((c) => [c.session.id, c.reason]),
      [[detached, 'connection_lost']],
    );
  });

  it('brings every node to Redis’s clock when a heartbeat is flushed after another node changed the session', async () => {
    const cluster = await openCluster(2, { activityFlushMs: 600_000 });
    const [a, b] = cluster.nodes as [RedisLiveStore, RedisLiveStore];
    const t0 = Date.now();
    const id = await a.allocateSessionId();
    await a.open(makeSession({ id, startedAt: t0, lastActivityAt: t0, expiresAt: t0 + 60_000, lifetimeMs: 60_000 }));
    await waitFor(() => b.get(id), { what: 'the session on node b' });
    await a.keepAlive([id], t0 + 20_000); // queued on node a
    // Node b changes the session knowing nothing of that heartbeat: its clock goes with the change.
    const changed = await b.update(id, (s) => ({ ...s, hostname: 'renamed' }), t0 + 20_001);
    assert.equal(changed?.lastActivityAt, t0);
    await converged([a, b]);
    await a.claimExpired(0, 0); // flushes node a's heartbeat, for the version node b's change made
    for (const node of [a, b]) {
      await waitFor(async () => (await node.get(id))?.lastActivityAt === t0 + 20_000, { what: 'the flushed heartbeat on every node' });
      assert.equal((await node.get(id))?.expiresAt, t0 + 80_000);
      assert.equal((await node.get(id))?.hostname, 'renamed');
    }
    const admin = redisAdmin(redis.url);
    await admin.connect();
    try {
      const keys = storeKeys(cluster.prefix);
      const stored = (await admin.hGet(keys.sessions, String(id)))!;
      const profile = (await admin.hGet(keys.profiles, storedProfileRef(stored)))!;
      assert.equal(decodeStored(stored, profile).lastActivityAt, t0 + 20_000);
      assert.equal(await admin.zScore(keys.deadlines, String(id)), t0 + 80_000);
    } finally {
      admin.destroy();
    }
  });

  it('ends a session with the ending node’s newest activity, and every node announces the same end', async () => {
    const [a, b] = (await openCluster(2, { activityFlushMs: 600_000 })).nodes as [RedisLiveStore, RedisLiveStore];
    const t0 = Date.now();
    const user = { id: 'erin', name: 'Erin', type: 'staff' };
    const [early, late] = [await a.allocateSessionId(), await a.allocateSessionId()];
    await a.open(makeSession({ id: early, user, startedAt: t0, lastActivityAt: t0 }));
    await a.open(makeSession({ id: late, user, startedAt: t0, lastActivityAt: t0 }));
    await a.keepAlive([early], t0 + 9_000); // not flushed
    const heardA = hear(a);
    const heardB = hear(b);
    const ended = await a.end(early, { reason: 'closed', at: t0 + 10_000 });
    assert.equal(ended?.session.lastActivityAt, t0 + 9_000);
    await b.end(late, { reason: 'closed', at: t0 + 11_000 });
    await converged([a, b]);
    assert.deepEqual(JSON.stringify(heardA), JSON.stringify(heardB));
    const offline = heardB.find((h) => h.change.type === 'user.offline')?.change;
    assert.ok(offline?.type === 'user.offline');
    assert.equal(offline.lastSeenAt, t0 + 9_000, 'the latest activity of any of the user’s sessions');
  });

  it('keeps a session’s node as it moves, and nothing of it once it ended', async () => {
    const cluster = await openCluster(1);
    const a = cluster.nodes[0]!;
    const keys = storeKeys(cluster.prefix);
    const admin = redisAdmin(redis.url);
    await admin.connect();
    try {
      const storedNode = async (id: number) => {
        const stored = await admin.hGet(keys.sessions, String(id));
        if (stored === null || stored === undefined) return undefined;
        return decodeStored(stored, (await admin.hGet(keys.profiles, storedProfileRef(stored))) ?? '').nodeId;
      };
      const id = await a.allocateSessionId();
      await a.open(makeSession({ id, nodeId: 'node-x' }));
      assert.equal(await storedNode(id), 'node-x');
      await a.update(id, (s) => ({ ...s, nodeId: 'node-y' }), Date.now());
      assert.equal(await storedNode(id), 'node-y');
      await a.end(id, { reason: 'closed', at: Date.now() });
      assert.equal(await storedNode(id), undefined);
      // Every key the store keeps holds nothing of the ended session (no per-node sets either), but
      // the tombstones of a fresh epoch's re-assert window, which must remember it.
      const names = (await admin.keys(`{${cluster.prefix}}:*`)).filter((name) => name !== keys.tombstones);
      for (const name of names) {
        const type = await admin.type(name);
        if (type === 'hash') assert.ok(!(await admin.hExists(name, String(id))), `${name} forgot ${id}`);
        if (type === 'set' || type === 'zset') {
          const members = type === 'set' ? await admin.sMembers(name) : await admin.zRange(name, 0, -1);
          assert.ok(!members.includes(String(id)), `${name} forgot ${id}`);
        }
      }
    } finally {
      admin.destroy();
    }
  });

  it('ends a lost node’s attached sockets once, and claims each silent node for one caller', async () => {
    const [a, b] = (await openCluster(2)).nodes as [RedisLiveStore, RedisLiveStore];
    const node = (id: string) => ({
      id,
      role: 'master' as const,
      hostname: id,
      publicHostname: id,
      version: '1',
      timezoneOffset: 0,
      startedAt: 1,
    });
    await a.registerNode(node('lost'));
    await a.registerNode(node('leaving'));
    assert.equal(await b.beat('lost'), true);

    const claimed: string[] = [];
    await waitFor(
      async () => {
        const [byA, byB] = await Promise.all([a.claimSilentNodes(0), b.claimSilentNodes(0)]);
        claimed.push(...byA, ...byB);
        return claimed.includes('lost') && claimed.includes('leaving');
      },
      { what: 'both nodes claimed as silent' },
    );
    assert.deepEqual(claimed.sort(), ['leaving', 'lost'], 'each silent node went to one caller');
    // A node that looks is alive, however late its own beat: it never claims itself; another node may.
    await a.registerNode(node('node-1'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(await a.claimSilentNodes(1), [], 'node-1 does not claim itself');
    assert.deepEqual(await b.claimSilentNodes(1), ['node-1']);
    assert.equal(await a.beat('lost'), false, 'a node claimed as lost must register again');
    await a.registerNode(node('back'));
    await b.deregisterNode('back');
    assert.deepEqual(await b.listNodes(), []);

    const open = async (overrides: Parameters<typeof makeSession>[0]) => {
      const id = await a.allocateSessionId();
      await a.open(makeSession({ id, nodeId: 'lost', transport: 'websocket', ...overrides }));
      return id;
    };
    const attached = await open({});
    await open({ detached: true });
    await open({ transport: 'http' });
    await open({ nodeId: 'alive' });
    await converged([a, b]);
    const ended = (await Promise.all([a, b].map((n) => n.endSocketsOf('lost', { reason: 'node_lost', at: Date.now() }, 10)))).flat();
    assert.deepEqual(
      ended.map((e) => [e.session.id, e.reason]),
      [[attached, 'node_lost']],
    );
    assert.equal(await a.count(), 3);
  });

  it('rebuilds a node’s replica when the stream skips changes it never saw, and tells it', async () => {
    const cluster = await openCluster(2);
    const [a, b] = cluster.nodes as [RedisLiveStore, RedisLiveStore];
    const resyncs: number[] = [];
    a.onResync(() => resyncs.push(a.appliedSeq()));
    const before = await b.allocateSessionId();
    await b.open(makeSession({ id: before }));
    await converged([a, b]);
    const heardA = hear(a);

    // Entries the nodes never read (as after trimming): the seq jumps past them.
    const keys = storeKeys(cluster.prefix);
    const admin = redisAdmin(redis.url);
    await admin.connect();
    try {
      const seq = (await admin.incrBy(keys.seq, 5)) as number;
      const change: PresenceChange = { type: 'user.online', at: 1, user: { id: 'unseen', name: 'U', type: 'staff' } };
      await admin.xAdd(keys.stream, `${seq}-0`, { k: 'announce', o: 'test', d: JSON.stringify(change) });
    } finally {
      admin.destroy();
    }
    await waitFor(() => resyncs.length > 0, { what: 'node a rebuilding its replica' });
    assert.ok(await a.get(before), 'the replica still holds the sessions');
    assert.equal(heardA.length, 0, 'a rebuild announces nothing');

    const after = await a.allocateSessionId();
    const { session } = await a.open(makeSession({ id: after }));
    assert.equal(heardA.at(-2)?.seq, resyncs[0]! + 1, 'the next change follows the rebuilt replica');
    assert.equal(session.version, resyncs[0]! + 1);
    await waitFor(() => b.get(after), { what: 'node b following on after its own rebuild' });
  });

  it('reads back the changes after a seq from the stream, numbered as announced, and says when it cannot', async () => {
    const cluster = await openCluster(2);
    const [a, b] = cluster.nodes as [RedisLiveStore, RedisLiveStore];
    const heard = hear(b);
    const start = a.appliedSeq();
    const ids = [await a.allocateSessionId(), await a.allocateSessionId()];
    for (const id of ids) await a.open(makeSession({ id, user: { id: 'replayed', name: 'R', type: 'staff' } }));
    await a.end(ids[0]!, { reason: 'closed', at: 5 });
    await converged([a, b]);
    const replay = await b.changesSince(start, 100);
    assert.deepEqual(
      replay?.map(({ seq, change }) => [seq, change.type]),
      heard.map(({ seq, change }) => [seq, change.type]),
      'the same changes, with the seqs they were announced with',
    );
    assert.deepEqual(
      replay?.map(({ change }) => change.type),
      ['session.started', 'user.online', 'session.started', 'session.ended'],
    );
    // From the middle of the sequence, and at most `limit`.
    assert.deepEqual(
      (await a.changesSince(start + 1, 2))?.map(({ seq }) => seq),
      [start + 2, start + 3],
    );
    assert.deepEqual(await a.changesSince(a.appliedSeq(), 10), [], 'nothing after the newest');
    // Before the stream's first entry: it cannot say what came after.
    assert.equal(await a.changesSince(1, 10), undefined);
  });

  it('carries heartbeats and ends of more sessions than one script takes to the other node (and measures)', async (t) => {
    const cluster = await openCluster(2, { activityFlushMs: 600_000 });
    const [a, b] = cluster.nodes as [RedisLiveStore, RedisLiveStore];
    const count = 2_500; // more than two ACTIVITY chunks of 1,000
    const startedOnB = new Set<number>();
    b.subscribe((change) => {
      if (change.type === 'session.started') startedOnB.add(change.session.id);
    });
    const ids: number[] = [];
    const latencies: number[] = [];
    const opening = performance.now();
    for (let i = 0; i < count; i++) {
      const id = await a.allocateSessionId();
      const sent = performance.now();
      await a.open(makeSession({ id, lifetimeMs: 60_000 }));
      latencies.push(performance.now() - sent);
      ids.push(id);
    }
    const openMs = performance.now() - opening;
    await converged([a, b]);

    const at = Date.now() + 10_000;
    const rounds = 20;
    const beating = performance.now();
    for (let round = 0; round < rounds; round++) assert.deepEqual(await a.keepAlive(ids, at + round), []);
    const keepAliveUs = ((performance.now() - beating) * 1_000) / (rounds * count);
    const flushing = performance.now();
    await a.claimExpired(0, 0); // flushes first
    const flushMs = performance.now() - flushing;
    const last = at + rounds - 1;
    await waitFor(async () => (await b.list()).every((s) => s.lastActivityAt === last && s.expiresAt === last + 60_000), {
      what: 'every heartbeat on node b',
    });

    const keys = storeKeys(cluster.prefix);
    const admin = redisAdmin(redis.url);
    await admin.connect();
    const bytes = async (key: string) => Number(await admin.sendCommand(['MEMORY', 'USAGE', key, 'SAMPLES', '0']));
    const [sessionBytes, changeBytes, activityBytes] = [
      await bytes(keys.sessions),
      await bytes(keys.stream),
      await bytes(keys.activityStream),
    ];
    admin.destroy();
    t.diagnostic(
      `Redis memory: sessions ${(sessionBytes / count).toFixed(0)} B per session, change stream ${(changeBytes / count).toFixed(0)} B per open entry, ` +
        `activity stream ${(activityBytes / count).toFixed(0)} B per session flushed`,
    );
    // One sweep ends them all: many END scripts, each a chunk.
    const claiming = performance.now();
    const claimed = await b.claimExpired(last + 60_000, 10_000);
    const claimMs = performance.now() - claiming;
    assert.equal(claimed.length, count);
    await converged([a, b]);
    assert.equal(await a.count(), 0);

    latencies.sort((x, y) => x - y);
    const percentile = (p: number) => latencies[Math.floor((latencies.length - 1) * p)]!.toFixed(2);
    t.diagnostic(
      `open: ${count} one after another in ${openMs.toFixed(0)} ms; settled (own entry applied) p50 ${percentile(0.5)} ms, p99 ${percentile(0.99)} ms`,
    );
    t.diagnostic(`keepAlive: ${keepAliveUs.toFixed(2)} µs per id (local; ${rounds} rounds of ${count})`);
    t.diagnostic(`flush of ${count} sessions' activity: ${flushMs.toFixed(1)} ms; claim of all of them: ${claimMs.toFixed(1)} ms`);
    assert.equal(startedOnB.size, count, 'node b heard every open');
  });

  it('follows on after its connections were cut (Redis kept its data)', async () => {
    const cluster = await openCluster(2);
    const [a, b] = cluster.nodes as [RedisLiveStore, RedisLiveStore];
    const admin = redisAdmin(redis.url);
    await admin.connect();
    try {
      await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes']);
    } finally {
      admin.destroy();
    }
    const id = await b.allocateSessionId();
    // Until node b's connection is back, its change fails, and says why.
    await waitFor(
      () =>
        b.open(makeSession({ id })).then(
          () => true,
          (error: unknown) => {
            assert.ok(unavailable(error), String(error));
            return false;
          },
        ),
      { what: 'node b writing again' },
    );
    await waitFor(() => a.get(id), { what: 'node a reading the stream again' });
    assert.ok(cluster.faults.length > 0, 'the cut was reported');
  });
});

// What happens when Redis loses the cluster's state (the store recovers) is in redis-recovery.test.ts.
describe('RedisLiveStore when Redis cannot be reached', { skip }, () => {
  it('fails to open, as unavailable, when Redis cannot be reached', async () => {
    const nowhere = `unix://${join(tmpdir(), `rollcall-no-redis-${process.pid}`, 'redis.sock')}`;
    await assert.rejects(RedisLiveStore.open({ url: nowhere, nodeId: 'node-1', idSource: new InMemoryIdBlockSource() }), unavailable);
  });
});
