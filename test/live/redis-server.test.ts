// The real Redis the cluster tests run against (test/helpers/redis.ts): what it does on a crash, a
// restart without data, and a replica promoted in its master's place. The cluster's recovery is built
// on exactly these behaviours, so they are pinned down here against the server CI installs.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from '@redis/client';
import { waitFor } from '../helpers/server.ts';
import { skipUnlessRedis, startRedis, type RedisServer } from '../helpers/redis.ts';

const skip = skipUnlessRedis();

const clientOf = (url: string) => {
  const path = url.startsWith('unix://') ? url.slice('unix://'.length) : undefined;
  const client = path ? createClient({ socket: { path, tls: false } }) : createClient({ url });
  client.on('error', () => undefined); // reconnects on its own; a test reads outcomes from its commands
  return client;
};

describe('a real Redis for the cluster tests', { skip }, () => {
  const servers: RedisServer[] = [];
  after(async () => {
    for (const server of servers) await server.stop();
  });

  it('loses everything in a crash and comes back empty on the same socket', async () => {
    const redis = await startRedis();
    servers.push(redis);
    assert.match(redis.url, /^unix:\/\/.*redis\.sock$/);
    const client = clientOf(redis.url);
    await client.connect();
    try {
      await client.set('{rc}epoch', 'e1');
      assert.equal(await client.get('{rc}epoch'), 'e1');
      const pid = redis.pid;
      await redis.crash();
      assert.equal(redis.pid, undefined);
      await redis.restart();
      assert.notEqual(redis.pid, pid);
      // The client reconnects by itself and finds an empty server: the epoch check exists for this.
      const after = await waitFor(
        async () => (await client.ping().catch(() => undefined)) === 'PONG' && (await client.exists('{rc}epoch')) === 0,
        {
          what: 'the client back on the restarted server',
        },
      );
      assert.equal(after, true);
    } finally {
      client.destroy();
    }
  });

  it('keeps the data on a replica promoted with REPLICAOF NO ONE after its master died', async () => {
    const master = await startRedis({ tcp: true });
    servers.push(master);
    const replica = await startRedis({ replicaOf: master });
    servers.push(replica);
    const writer = clientOf(master.url);
    const follower = clientOf(replica.url);
    await Promise.all([writer.connect(), follower.connect()]);
    try {
      await writer.set('{rc}seq', '41');
      await waitFor(async () => (await follower.get('{rc}seq')) === '41', { what: 'the write on the replica' });
      await assert.rejects(follower.set('{rc}seq', '42'), /READONLY/, 'a replica refuses writes');
      await master.crash();
      await follower.sendCommand(['REPLICAOF', 'NO', 'ONE']);
      assert.equal(await follower.incr('{rc}seq'), 42, 'promoted: writable, with what the master had');
    } finally {
      writer.destroy();
      follower.destroy();
    }
  });
});
