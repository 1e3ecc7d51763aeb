// Credentials are checked before a body is read: a caller without them is answered 401 while its body
// is still on the way, and many such bodies cost the server no memory (13 unauthenticated 8 MB batches
// once took it from 158 to 1,030 MiB). Per-route body limits follow the largest legitimate body, and
// deep nesting is refused before it is parsed.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { LIMITS } from '../../src/core/input-schemas.ts';
import { BATCH_BODY_LIMIT } from '../../src/ingest/http-routes.ts';
import { request } from '../helpers/http.ts';
import { rawConnect, requestHead, statusOf } from '../helpers/raw-http.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

const EIGHT_MB = 8 * 1024 * 1024;

/** The largest batch a client may send: every limit of the schema at its maximum, views of 3-byte characters. */
function largestBatchBody(): string {
  const field = '€'.repeat(LIMITS.viewField);
  const entry = { id: 2 ** 31 - 1, idle: false, view: { m: field, v: field, t: field } };
  return JSON.stringify({ heartbeats: Array.from({ length: LIMITS.heartbeatsPerBatch }, () => entry) });
}

/** Sends the head and a first 64 KB of a `declared`-byte body, then waits for an answer without sending more. */
async function answerBeforeBody(method: string, path: string, headers: Record<string, string>, declared = EIGHT_MB) {
  const connection = await rawConnect(server.url);
  try {
    await connection.write(requestHead(method, path, { 'content-type': 'application/json', 'content-length': declared, ...headers }));
    await connection.write(Buffer.alloc(64 * 1024, 0x20));
    await waitFor(() => statusOf(connection.received()) !== undefined || connection.closed(), { what: `an answer to ${method} ${path}` });
    return { status: statusOf(connection.received()), text: connection.received() };
  } finally {
    connection.destroy();
  }
}

describe('unauthenticated bodies', () => {
  const routes: [string, string][] = [
    ['POST', '/v1/heartbeats'],
    ['POST', '/v1/sessions'],
    ['POST', '/v1/sessions/1/heartbeat'],
    ['PATCH', '/v1/sessions/1'],
    ['DELETE', '/v1/sessions/1'],
    ['POST', '/v1/accounts'],
    ['POST', '/v1/keys'],
    ['POST', '/v1/webhooks'],
    ['PATCH', '/v1/webhooks/1'],
    ['POST', '/oauth2/token'],
  ];

  it('are answered 401 on every route that takes one, before the body was sent', async () => {
    for (const [method, path] of routes) {
      const answer = await answerBeforeBody(method, path, {});
      assert.equal(answer.status, 401, `${method} ${path}: ${answer.text.slice(0, 300)}`);
    }
  });

  it('close the connection after the 401, so the server reads none of the rest', async () => {
    const connection = await rawConnect(server.url);
    try {
      await connection.write(requestHead('POST', '/v1/heartbeats', { 'content-type': 'application/json', 'content-length': EIGHT_MB }));
      await connection.write(Buffer.alloc(64 * 1024, 0x20));
      await waitFor(() => connection.closed(), { what: 'the server closing the connection' });
      assert.equal(statusOf(connection.received()), 401);
      assert.match(connection.received(), /^connection: close\r$/im);
    } finally {
      connection.destroy();
    }
  });

  it('on the command API: a bearer token is checked before the form is read; a form (which may hold the password) is small', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const bearer = await answerBeforeBody('POST', '/api/command', { ...form, authorization: 'Bearer rc_at_not-a-token' }, 8 * 1024);
    assert.match(bearer.text, /<error[^>]*>the access token is invalid/, bearer.text.slice(0, 300));
    const large = await answerBeforeBody('POST', '/api/command', form);
    assert.match(large.text, /<error[^>]*>the body is larger than the command API accepts/, large.text.slice(0, 300));
  });

  it('with wrong credentials too (Bearer, Basic)', async () => {
    const wrongBasic = `Basic ${Buffer.from('admin:wrong-password').toString('base64')}`;
    for (const authorization of ['Bearer not-a-key', wrongBasic]) {
      const answer = await answerBeforeBody('POST', '/v1/heartbeats', { authorization });
      assert.equal(answer.status, 401, answer.text.slice(0, 300));
    }
  });

  it('cost no memory: 13 whole 8 MB batches without credentials leave the resident size where it was', async () => {
    // A valid batch (what the attack sent): it would pass validation, so only credentials can stop it.
    const field = '€'.repeat(LIMITS.viewField);
    const body = Buffer.from(
      JSON.stringify({ heartbeats: Array.from({ length: 6_500 }, (_, i) => ({ id: i + 1, view: { m: field, v: field, t: field } })) }),
    );
    assert.ok(body.length > 6 * 1024 * 1024 && body.length <= EIGHT_MB, String(body.length));
    const send = () =>
      new Promise<number>((resolve) => {
        const call = httpRequest(
          `${server.url}/v1/heartbeats`,
          { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        // The server may answer and close before taking the whole body; that is the point.
        call.on('error', () => resolve(0));
        call.end(body);
      });
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    const statuses = await Promise.all(Array.from({ length: 13 }, send));
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const grownMiB = (peak - before) / 1024 / 1024;
    console.log(
      `# rss: ${(before / 1048576).toFixed(0)} MiB before, peak ${(peak / 1048576).toFixed(0)} MiB (+${grownMiB.toFixed(0)} MiB) during 13 unauthenticated 8 MB bodies`,
    );
    assert.ok(
      statuses.every((status) => status === 401 || status === 0),
      statuses.join(','),
    );
    // Parsed, the 13 batches grew it by about 100 MiB here (870 MiB in the trial); reading
    // none, only socket buffers remain (about 20 MiB). The bound is half the bytes sent.
    assert.ok(grownMiB < (13 * 8) / 2, `resident size grew by ${grownMiB.toFixed(0)} MiB`);
  });
});

describe('body limits', () => {
  it('the batch limit holds the largest legitimate batch and little more', () => {
    const largest = largestBatchBody();
    assert.ok(Buffer.byteLength(largest) <= BATCH_BODY_LIMIT, `${Buffer.byteLength(largest)} > ${BATCH_BODY_LIMIT}`);
    assert.ok(BATCH_BODY_LIMIT < Buffer.byteLength(largest) * 1.1, 'the limit is not much above the largest legitimate body');
  });

  it('an authenticated batch over the limit is refused with 413 before it is read', async () => {
    const answer = await answerBeforeBody('POST', '/v1/heartbeats', { authorization: server.ingest.authorization! }, BATCH_BODY_LIMIT + 1);
    assert.equal(answer.status, 413, answer.text.slice(0, 300));
  });

  it('deep nesting is refused as an invalid body, without parsing it', async () => {
    for (const depth of [64, 10_000]) {
      const body = `{"heartbeats":[${'['.repeat(depth)}${']'.repeat(depth)}]}`;
      const answer = await request(server.url, 'POST', '/v1/heartbeats', { headers: server.ingest, body });
      assert.equal(answer.status, 400, answer.text);
      assert.match(answer.json.error.message, /nest/);
    }
    // Brackets inside strings are text, not nesting.
    const text = '['.repeat(100);
    const answer = await request(server.url, 'POST', '/v1/heartbeats', {
      headers: server.ingest,
      body: { heartbeats: [{ id: 99, view: { m: text, v: '{{{', t: '\\"[' } }] },
    });
    assert.equal(answer.status, 200, answer.text);
  });
});
