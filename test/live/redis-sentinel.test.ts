// The Redis live store through Sentinel (ROLLCALL_REDIS_SENTINELS): real sentinels watching a real
// master and replica (test/helpers/redis-sentinel.ts). The nodes follow the master the sentinels name:
// when the master dies and its replica is promoted, and when a failover demotes a master the nodes are
// still writing to (its READONLY answers must move them, not leave them stuck). Each test has servers
// of its own: a failover changes who is master for good.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createClient } from '@redis/client';
import type { PresenceChange, Session } from '../../src/core/model.ts';
import { isRollcallError } from '../../src/core/errors.ts';
import { createLiveStore } from '../../src/live/factory.ts';
import type { LiveStore } from '../../src/live/live-store.ts';
import { storeKeys } from '../../src/live/redis/keys.ts';
import { RedisLiveStore } from '../../src/live/redis/redis-live-store.ts';
import { InMemoryIdBlockSource } from '../../src/live/session-ids.ts';
import { skipUnlessRedis } from '../helpers/redis.ts';
import { startSentinels, type RedisSentinels } from '../helpers/redis-sentinel.ts';
import { waitFor } from '../helpers/server.ts';
import { makeSession } from '../helpers/sessions.ts';

const skip = skipUnlessRedis();

interface Node {
  store: RedisLiveStore;
  heard: { seq: number; change: PresenceChange }[];
  resyncs: number;
  faults: string[];
}

describe('RedisLiveStore through Sentinel', { skip }, () => {
  const setups: RedisSentinels[] = [];
  const stores: LiveStore[] = [];
  after(async () => {
    for (const store of stores) await store.close();
    for (const setup of setups) await setup.stop();
  });

  async function cluster(count: number): Promise<{ sentinels: RedisSentinels; nodes: Node[] }> {
    const sentinels = await startSentinels();
    setups.push(sentinels);
    const idSource = new InMemoryIdBlockSource();
    const nodes: Node[] = [];
    for (let n = 1; n <= count; n++) {
      const node: Node = { store: undefined as unknown as RedisLiveStore, heard: [], resyncs: 0, faults: [] };
      node.store = await RedisLiveStore.open({
        sentinels: sentinels.addresses,
        masterName: sentinels.masterName,
        nodeId: `node-${n}`,
        idSource,
        onError: (error, context) => node.faults.push(`${context}: ${String(error)}`),
      });
      stores.push(node.store);
      node.store.subscribe((change, seq) => node.heard.push({ seq, change }));
      node.store.onResync(() => node.resyncs++);
      nodes.push(node);
    }
    return { sentinels, nodes };
  }

  /** Opens `count` sessions on each node; answers their ids once every node holds all of them. */
  async function openSessions(nodes: Node[], count: number): Promise<number[]> {
    const ids: number[] = [];
    for (const [n, { store }] of nodes.entries()) {
      for (let i = 0; i < count; i++) {
        const id = await store.allocateSessionId();
        await store.open(makeSession({ id, nodeId: `node-${n + 1}`, user: { id: `user-${i}`, name: 'U', type: 'staff' } }));
        ids.push(id);
      }
    }
    for (const { store } of nodes) await waitFor(async () => (await store.count()) === ids.length, { what: 'every session on every node' });
    return ids;
  }

  const openOne = async (node: Node, userId: string): Promise<Session> => {
    const id = await node.store.allocateSessionId();
    return (await node.store.open(makeSession({ id, user: { id: userId, name: userId, type: 'staff' } }))).session;
  };

  /** Retries an open until the node writes again (a 503 meanwhile); answers the session's seq. */
  async function openWhenWritable(store: RedisLiveStore, what: string): Promise<number> {
    const id = await store.allocateSessionId();
    const opened = await waitFor(
      () =>
        store.open(makeSession({ id })).then(
          ({ session }) => session,
          (error: unknown) => {
            assert.ok(isRollcallError(error) && error.code === 'unavailable', String(error));
            return undefined;
          },
        ),
      { what, timeoutMs: 20_000, intervalMs: 50 },
    );
    return opened.version;
  }

  /** Waits until the replica acknowledged every write of the master (nothing is lost in the failover). */
  async function replicated(sentinels: RedisSentinels): Promise<void> {
    const admin = createClient({ url: sentinels.master.url });
    admin.on('error', () => undefined);
    await admin.connect();
    try {
      assert.equal(await admin.sendCommand(['WAIT', '1', '5000']), 1);
    } finally {
      admin.destroy();
    }
  }

  it('is made by the factory from redisSentinels and redisMasterName, with the password of redisUrl for the master', async () => {
    const sentinels = await startSentinels({ password: 'open sesame' });
    setups.push(sentinels);
    const config = {
      liveStore: 'redis' as const,
      redisKeyPrefix: 'factory',
      redisSentinels: sentinels.list,
      redisMasterName: sentinels.masterName,
    };
    const deps = { nodeId: 'node-1', idSource: new InMemoryIdBlockSource(), onError: () => undefined };
    // The URL's host is not asked: Sentinel names the master; only its password counts.
    const store = await createLiveStore({ ...config, redisUrl: 'redis://:open%20sesame@nowhere.invalid:6379' }, deps);
    stores.push(store);
    const id = await store.allocateSessionId();
    await store.open(makeSession({ id }));
    const admin = createClient({ url: sentinels.master.url });
    admin.on('error', () => undefined);
    await admin.connect();
    try {
      assert.equal(await admin.hExists(storeKeys('factory').sessions, String(id)), 1, 'the session is on the master the sentinels name');
    } finally {
      admin.destroy();
    }
    await assert.rejects(
      createLiveStore({ ...config, redisUrl: undefined }, deps),
      (error: unknown) => isRollcallError(error) && error.code === 'unavailable',
      'without the password the master refuses',
    );
  });

  it('follows the master through a failover after it died: nothing lost, no resync, the seq goes on', async (t) => {
    const { sentinels, nodes } = await cluster(2);
    const [a, b] = nodes as [Node, Node];
    const ids = await openSessions(nodes, 5);
    await replicated(sentinels);
    const lastSeq = a.store.appliedSeq();
    const heardBefore = a.heard.length;

    const before = await sentinels.currentMaster();
    const killedAt = Date.now();
    await sentinels.master.crash();
    await sentinels.waitForNewMaster(before);
    const promotedMs = Date.now() - killedAt;
    const seqOnB = await openWhenWritable(b.store, 'node b writing to the new master');
    const writingMs = Date.now() - killedAt;
    const seqOnA = await openWhenWritable(a.store, 'node a writing to the new master');

    assert.equal(seqOnB, lastSeq + 1, 'the seq goes on where it was: nothing was lost, no seq skipped');
    assert.ok(seqOnA > seqOnB);
    for (const { store } of nodes) {
      await waitFor(async () => (await store.count()) === ids.length + 2, { what: 'both new sessions on every node' });
      for (const id of ids) assert.ok(await store.get(id), `session ${id} kept`);
    }
    assert.equal(a.resyncs + b.resyncs, 0, 'the replica held everything: no resync');
    const after = a.heard.slice(heardBefore).map((h) => h.change.type);
    assert.deepEqual(
      after.filter((type) => type !== 'session.started' && type !== 'user.online'),
      [],
      'nothing ended, nobody left',
    );
    t.diagnostic(`master killed: promoted after ${promotedMs} ms; the nodes wrote again ${writingMs} ms after the kill`);
  });

  it('recovers when the promoted replica lacked the newest writes: they come back with their ids, one resync, no seq twice', async (t) => {
    const { sentinels, nodes } = await cluster(2);
    const [a, b] = nodes as [Node, Node];
    const ids = await openSessions(nodes, 2);
    await replicated(sentinels);
    const replicaPid = sentinels.replica.pid!;
    // Cut the replica off (frozen, and its link closed by the master) so what follows never reaches it.
    process.kill(replicaPid, 'SIGSTOP');
    let lost: Session[];
    try {
      const admin = createClient({ url: sentinels.master.url });
      admin.on('error', () => undefined);
      await admin.connect();
      await admin.sendCommand(['CLIENT', 'KILL', 'TYPE', 'replica']);
      admin.destroy();
      lost = [await openOne(a, 'lost-a'), await openOne(b, 'lost-b')];
      await waitFor(async () => (await a.store.count()) === ids.length + 2 && (await b.store.count()) === ids.length + 2, {
        what: 'the lost writes seen by both nodes',
      });
      const before = await sentinels.currentMaster();
      await sentinels.master.crash();
      process.kill(replicaPid, 'SIGCONT');
      await sentinels.waitForNewMaster(before);
    } finally {
      process.kill(replicaPid, 'SIGCONT');
    }
    const seen = Math.max(...nodes.flatMap((node) => node.heard.map((h) => h.seq)));
    const heard = nodes.map((node) => node.heard.length);
    await waitFor(() => a.resyncs === 1 && b.resyncs === 1, { what: 'both nodes recovered', timeoutMs: 20_000 });
    for (const { store } of nodes) {
      for (const session of lost)
        assert.equal((await store.get(session.id))?.version, session.version, `lost session ${session.id} is back as it was`);
      for (const id of ids) assert.ok(await store.get(id));
    }
    assert.deepEqual(
      nodes.map((node, i) => node.heard.length - heard[i]!),
      [0, 0],
      'nothing announced',
    );
    const next = await openWhenWritable(b.store, 'node b writing after the recovery');
    assert.ok(next > seen, `seq ${next} above every seq seen (${seen})`);
    t.diagnostic(`failover that lost writes: both nodes recovered (one resync each), the lost sessions back with their ids`);
  });

  it('leaves a master that a failover demoted (READONLY) for the new one, and keeps writing', async (t) => {
    const { sentinels, nodes } = await cluster(2);
    const [a, b] = nodes as [Node, Node];
    const ids = await openSessions(nodes, 3);
    await replicated(sentinels);
    const before = await sentinels.currentMaster();
    const startedAt = Date.now();
    await sentinels.failover();
    await sentinels.waitForNewMaster(before);
    // The old master is a replica now: writes sent to it answer READONLY until the nodes move.
    await openWhenWritable(a.store, 'node a writing after the failover');
    await openWhenWritable(b.store, 'node b writing after the failover');
    const tookMs = Date.now() - startedAt;
    for (const { store } of nodes) {
      await waitFor(async () => (await store.count()) === ids.length + 2, { what: 'both new sessions on every node' });
    }
    assert.equal(a.resyncs + b.resyncs, 0);
    t.diagnostic(`SENTINEL FAILOVER: both nodes wrote to the new master ${tookMs} ms after it was asked for`);
  });
});
