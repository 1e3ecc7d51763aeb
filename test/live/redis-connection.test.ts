// A node that cannot reach its Redis fails at start with a message an operator can act on: where it
// looked (password left out) and what went wrong there.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isRollcallError } from '../../src/core/errors.ts';
import { RedisConnection } from '../../src/live/redis/connection.ts';
import { freePort } from '../helpers/redis.ts';

const quiet = { report: () => undefined, interrupted: () => undefined };

/** The error connect() rejects with. */
async function failureOf(connecting: Promise<RedisConnection>): Promise<Error> {
  const connection = await connecting.then(
    (opened) => opened,
    (error: unknown) => error,
  );
  if (connection instanceof RedisConnection) {
    connection.destroy();
    assert.fail('connected to a Redis that is not there');
  }
  assert.ok(isRollcallError(connection) && connection.code === 'unavailable', String(connection));
  return connection;
}

describe('connecting to a Redis that is not there', () => {
  it('names the URL without its password, and the socket error', async () => {
    const port = await freePort();
    const error = await failureOf(RedisConnection.connect({ url: `redis://:s3cret@127.0.0.1:${port}` }, 'probe', quiet));
    assert.match(error.message, new RegExp(`^cannot connect to Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
    assert.doesNotMatch(error.message, /s3cret/);
  });

  it('names the master and the sentinels it asked', async () => {
    const port = await freePort();
    const target = { sentinels: [{ host: '127.0.0.1', port }], masterName: 'presence' };
    const error = await failureOf(RedisConnection.connect(target, 'probe', quiet));
    assert.match(error.message, new RegExp(`^cannot connect to Redis "presence" through Sentinel \\(127\\.0\\.0\\.1:${port}\\): .+`));
  });
});
