// Throttling over HTTP, one test per kind of credential, each guessed from its own loopback address
// (127.0.0.x) so the counts stay apart: after the free failures the guesser gets 429 with Retry-After,
// in the shape of the dialect it spoke, at no hashing cost, while a legitimate user from another address
// still gets in. An admin lists and lifts lockouts.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { createApiClient } from '../dialects/beyondtrust/fixtures.ts';
import { RawClient } from '../ingest/raw-ws-client.ts';
import { requestFrom, type AnswerFrom } from '../helpers/raw-http.ts';
import { TEST_ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.ts';

const FREE_PER_ADDRESS = 10;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

let server: TestServer;
before(async () => {
  // The defaults, except the account's free failures, so the many-addresses test is short.
  server = await startTestServer({ authFailuresPerAddress: FREE_PER_ADDRESS, authFailuresPerAccount: 30 });
});
after(() => server.close());

/** Guesses from `address` until the first 429; answers the refusals before it and the 429 itself. */
async function guessUntilThrottled(address: string, guess: (n: number) => Promise<AnswerFrom>, refusal: number) {
  const refused: AnswerFrom[] = [];
  for (let n = 0; n < FREE_PER_ADDRESS + 5; n++) {
    const answer = await guess(n);
    if (answer.status === 429) return { refused, throttled: answer };
    assert.equal(answer.status, refusal, answer.text);
    refused.push(answer);
  }
  assert.fail(`no 429 after ${refused.length} failures`);
}

function assertRetryAfter(answer: AnswerFrom) {
  const value = Number(answer.headers['retry-after']);
  assert.ok(Number.isInteger(value) && value >= 1 && value <= 300, `Retry-After: ${String(answer.headers['retry-after'])}`);
}

const get = (address: string, path: string, headers: Record<string, string> = {}) =>
  requestFrom(address, server.url, 'GET', path, { headers });

describe('throttling', () => {
  it('passwords: 429 after the free failures, the right password waits too; another address gets in; an admin lifts it', async () => {
    const guesser = '127.0.0.2';
    const { refused, throttled } = await guessUntilThrottled(
      guesser,
      (n) => get(guesser, '/v1/users', { authorization: basic('admin', `guess-${n}`) }),
      401,
    );
    assert.equal(refused.length, FREE_PER_ADDRESS + 1, 'the free failures, and the one that set the first lock');
    assert.deepEqual(throttled.json, { error: { code: 'rate_limited', message: throttled.json.error.message } });
    assertRetryAfter(throttled);
    assert.equal((await get(guesser, '/v1/users', { authorization: basic('admin', TEST_ADMIN_PASSWORD) })).status, 429, 'locked is locked');

    const elsewhere = '127.0.0.3';
    assert.equal(
      (await get(elsewhere, '/v1/users', { authorization: basic('admin', TEST_ADMIN_PASSWORD) })).status,
      200,
      'the real user from elsewhere',
    );

    const listed = await get(elsewhere, '/v1/lockouts', { authorization: basic('admin', TEST_ADMIN_PASSWORD) });
    assert.equal(listed.status, 200, listed.text);
    assert.ok(
      listed.json.lockouts.some((l: { key: string }) => l.key === `address:${guesser}`),
      listed.text,
    );
    const lifted = await requestFrom(elsewhere, server.url, 'DELETE', `/v1/lockouts?key=${encodeURIComponent(`address:${guesser}`)}`, {
      headers: { authorization: basic('admin', TEST_ADMIN_PASSWORD) },
    });
    assert.deepEqual(lifted.json, { lifted: 1 });
    assert.equal((await get(guesser, '/v1/users', { authorization: basic('admin', TEST_ADMIN_PASSWORD) })).status, 200, 'lifted');
  });

  it('unknown user names are throttled like wrong passwords, and a throttled refusal costs no scrypt', async () => {
    const guesser = '127.0.0.4';
    const { refused } = await guessUntilThrottled(
      guesser,
      (n) => get(guesser, '/v1/users', { authorization: basic(`nobody-${n}`, 'pw') }),
      401,
    );
    assert.equal(refused.length, FREE_PER_ADDRESS + 1);
    // Refusals that hashed (a wrong password from a fresh address) against throttled ones, interleaved.
    const hashed: number[] = [];
    const throttledTimes: number[] = [];
    for (let n = 0; n < 5; n++) {
      let started = performance.now();
      assert.equal((await get(`127.0.1.${n}`, '/v1/users', { authorization: basic(`someone-${n}`, 'pw') })).status, 401);
      hashed.push(performance.now() - started);
      started = performance.now();
      assert.equal((await get(guesser, '/v1/users', { authorization: basic(`nobody-x${n}`, 'pw') })).status, 429);
      throttledTimes.push(performance.now() - started);
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[2]!;
    assert.ok(
      median(throttledTimes) * 4 < median(hashed),
      `throttled ${median(throttledTimes).toFixed(1)} ms vs hashed ${median(hashed).toFixed(1)} ms`,
    );
  });

  it('API keys: v1, Clientexec and Motadata each answer 429 in their own shape, with Retry-After', async () => {
    const guesser = '127.0.0.5';
    const key = (n: number) => `rc_api_${String(n).padStart(43, 'x')}`;
    await guessUntilThrottled(guesser, (n) => get(guesser, '/v1/users', { authorization: `Bearer ${key(n)}` }), 401);

    const clientexec = await get(guesser, `/api/users/usersonline?apikey=${key(99)}`);
    assert.equal(clientexec.status, 429, clientexec.text);
    assert.equal(clientexec.json.error, true);
    assert.match(clientexec.json.message, /too many failed attempts/);
    assert.equal(typeof clientexec.json.timestamp, 'number');
    assertRetryAfter(clientexec);

    const motadata = await get(guesser, '/api/v1/settings/users/active-users', { authorization: `Bearer ${key(98)}` });
    assert.equal(motadata.status, 429, motadata.text);
    assert.equal(motadata.json['response-code'], 429);
    assert.equal(motadata.json.status, 'fail');
    assert.equal(motadata.json['error.code'], 'MD429');
    assertRetryAfter(motadata);
  });

  it('the command API: passwords in the query, 429 with the XML <error>', async () => {
    const guesser = '127.0.0.6';
    const { throttled } = await guessUntilThrottled(
      guesser,
      async (n) => {
        const answer = await get(guesser, `/api/command?username=admin&password=guess-${n}&action=get_api_info`);
        // The command API refuses credentials with 200 and an <error>, as its clients expect.
        return answer.status === 200 ? { ...answer, status: /<error[ >]/.test(answer.text) ? 401 : 200 } : answer;
      },
      401,
    );
    assert.match(throttled.text, /^<\?xml[\s\S]*<error xmlns="[^"]+">too many failed attempts; try again in \d+ s<\/error>/);
    assertRetryAfter(throttled);
  });

  it('OAuth client secrets at /oauth2/token: 429 temporarily_unavailable; the client from elsewhere still gets a token', async () => {
    const client = await createApiClient(server);
    const guesser = '127.0.0.7';
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const { throttled } = await guessUntilThrottled(
      guesser,
      (n) =>
        requestFrom(guesser, server.url, 'POST', '/oauth2/token', {
          headers: { ...form, authorization: basic(client.id, `rc_cs_wrong${n}`) },
          body: 'grant_type=client_credentials',
        }),
      401,
    );
    assert.equal(throttled.json.error, 'temporarily_unavailable');
    assertRetryAfter(throttled);
    const real = await requestFrom('127.0.0.8', server.url, 'POST', '/oauth2/token', {
      headers: { ...form, authorization: client.basic },
      body: 'grant_type=client_credentials',
    });
    assert.equal(real.status, 200, real.text);
    // Access tokens are guessed per address as well.
    const tokenGuesser = '127.0.0.9';
    await guessUntilThrottled(
      tokenGuesser,
      async (n) => {
        const answer = await get(tokenGuesser, `/api/command?action=get_api_info`, { authorization: `Bearer rc_at_guess${n}` });
        return answer.status === 200 ? { ...answer, status: /<error[ >]/.test(answer.text) ? 401 : 200 } : answer;
      },
      401,
    );
  });

  it('ingest keys and client tokens: 429 on the ingest routes', async () => {
    const guesser = '127.0.0.10';
    const json = { 'content-type': 'application/json' };
    const { throttled } = await guessUntilThrottled(
      guesser,
      (n) =>
        requestFrom(guesser, server.url, 'POST', '/v1/sessions', {
          headers: {
            ...json,
            authorization: `Bearer ${n % 2 ? `rc_in_guess${n}` : `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ${n}In0.c2lnbmF0dXJl`}`,
          },
          body: '{}',
        }),
      401,
    );
    assert.equal(throttled.json.error.code, 'rate_limited');
    // The ingest key itself, from the same application server, is never slowed (its check is a comparison).
    const real = await requestFrom('127.0.0.11', server.url, 'POST', '/v1/sessions/1/heartbeat', {
      headers: { authorization: server.ingest.authorization! },
    });
    assert.equal(real.status, 404, real.text);
  });

  it('client tokens in a WebSocket hello: an error frame rate_limited once the address is locked', async () => {
    const guesser = '127.0.0.12';
    const hello = async (n: number) => {
      const client = new RawClient(server.wsUrl, { localAddress: guesser });
      await client.opened();
      client.send({ type: 'hello', token: `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1${n}In0.Zm9yZ2Vk`, session: { clientType: 'web' } });
      const error = await client.next('error');
      client.socket.close();
      return error;
    };
    const codes: unknown[] = [];
    for (let n = 0; n <= FREE_PER_ADDRESS + 1; n++) codes.push((await hello(n)).code);
    assert.deepEqual(codes.slice(0, FREE_PER_ADDRESS + 1), Array(FREE_PER_ADDRESS + 1).fill('unauthorized'));
    assert.equal(codes.at(-1), 'rate_limited');
  });

  it('an account guessed from many addresses waits, except from where its owner signed in', async () => {
    const owner = '127.0.2.1';
    assert.equal((await get(owner, '/v1/users', { authorization: basic('admin', TEST_ADMIN_PASSWORD) })).status, 200);
    // 30 free failures against the account, two from each address: no address reaches its own limit.
    let status = 0;
    for (let n = 0; n < 40 && status !== 429; n++) {
      status = (await get(`127.0.3.${Math.floor(n / 2)}`, '/v1/users', { authorization: basic('admin', `spray-${n}`) })).status;
    }
    assert.equal(status, 429, 'the account is locked for strangers');
    const stranger = await get('127.0.4.1', '/v1/users', { authorization: basic('admin', TEST_ADMIN_PASSWORD) });
    assert.equal(stranger.status, 429, 'a new address waits, minutes at most');
    assertRetryAfter(stranger);
    assert.equal((await get(owner, '/v1/users', { authorization: basic('admin', TEST_ADMIN_PASSWORD) })).status, 200, 'the owner does not');
    const lifted = await requestFrom(owner, server.url, 'DELETE', '/v1/lockouts', {
      headers: { authorization: basic('admin', TEST_ADMIN_PASSWORD) },
    });
    assert.ok(lifted.json.lifted >= 1, lifted.text);
  });
});
