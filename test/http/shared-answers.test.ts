// Shared answers over real HTTP (raw node:http, so the test sees the bytes on the wire and chooses
// Accept-Encoding itself; fetch would ask for gzip and decompress unseen): entity tags and 304s,
// gzip compressed once per answer, and what never gets either (errors, uncached answers, POSTs).
// Answer windows of a minute, so every request of a test reads the same shared answer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { REVALIDATE_PRIVATELY } from '../../src/http/send-shared.ts';
import { adminQuery, DOC_CREDENTIALS, representative, startBtServer } from '../dialects/beyondtrust/fixtures.ts';
import { createApiKey, openSession } from '../dialects/shared/dialect-client.ts';
import { openBody } from '../helpers/sessions.ts';
import type { TestServer } from '../helpers/server.ts';

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function get(server: TestServer, path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const CLIENTS = `/api/command?${DOC_CREDENTIALS}&action=get_connected_clients`;
const USERS_ONLINE = '/api/users/usersonline';
const ACTIVE_USERS = '/api/v1/settings/users/active-users';
const GZIP = { 'accept-encoding': 'gzip' };

/** Clientexec's answer without `elapsed`, the one part that differs between requests of a caller. */
const withoutElapsed = (body: Buffer) => body.toString('utf8').replace(/"elapsed":"[0-9.]+"/, '"elapsed":""');

describe('shared answers: entity tags, 304 and gzip', () => {
  let server: TestServer;
  let adminKey: string;
  let readerKey: string;
  before(async () => {
    server = await startBtServer({ btCacheMs: 60_000, pollCacheMs: 60_000 });
    // Enough users that every answer is well above the size below which nothing is compressed.
    for (let i = 1; i <= 12; i++) {
      await openSession(
        server,
        representative({ user: { id: `${100 + i}`, name: `Représentant ${i}`, username: `rep${i}`, type: 'staff' } }),
      );
    }
    adminKey = (await createApiKey(server)).key;
    readerKey = (await createApiKey(server, { role: 'reader', userId: '77' })).key;
  });
  after(() => server.close());

  it('tags a shared answer strongly and answers 304 to a matching If-None-Match, 200 to a stale one', async () => {
    const first = await get(server, CLIENTS, { 'accept-encoding': 'identity' });
    assert.equal(first.status, 200);
    const tag = first.headers.etag!;
    assert.match(tag, /^"[A-Za-z0-9_-]+"$/, 'strong: every poller of the window gets these very bytes');
    assert.equal(first.headers['cache-control'], REVALIDATE_PRIVATELY);
    assert.equal(first.headers.vary, 'Accept-Encoding');

    const revalidated = await get(server, CLIENTS, { 'if-none-match': tag });
    assert.equal(revalidated.status, 304);
    assert.equal(revalidated.body.length, 0);
    assert.equal(revalidated.headers.etag, tag);
    assert.equal(revalidated.headers['cache-control'], REVALIDATE_PRIVATELY);

    const stale = await get(server, CLIENTS, { 'if-none-match': '"an-older-answer"' });
    assert.equal(stale.status, 200);
    assert.deepEqual(stale.body, first.body);
  });

  it('compares weakly and reads lists and *', async () => {
    const tag = (await get(server, CLIENTS)).headers.etag!;
    for (const field of [`W/${tag}`, `"older", ${tag}`, '*']) {
      assert.equal((await get(server, CLIENTS, { 'if-none-match': field })).status, 304, field);
    }
  });

  it('sends gzip that decompresses to exactly the identity bytes, with its own tag', async () => {
    for (const path of [CLIENTS, ACTIVE_USERS]) {
      const headers: Record<string, string> = path === ACTIVE_USERS ? { authorization: `Bearer ${adminKey}` } : {};
      const plain = await get(server, path, headers);
      const zipped = await get(server, path, { ...headers, ...GZIP });
      assert.equal(plain.headers['content-encoding'], undefined, path);
      assert.equal(zipped.headers['content-encoding'], 'gzip', path);
      assert.equal(zipped.headers.vary, 'Accept-Encoding');
      assert.equal(Number(zipped.headers['content-length']), zipped.body.length);
      assert.ok(zipped.body.length < plain.body.length / 2, `${path}: compressed`);
      assert.deepEqual(gunzipSync(zipped.body), plain.body, path);

      // Another representation, another tag: weak, since the compressed bytes depend on the zlib build.
      assert.match(zipped.headers.etag!, /^W\/"[A-Za-z0-9_-]+-gzip"$/);
      assert.equal((await get(server, path, { ...headers, ...GZIP, 'if-none-match': zipped.headers.etag! })).status, 304);
      assert.equal((await get(server, path, { ...headers, ...GZIP, 'if-none-match': plain.headers.etag! })).status, 200);
    }
  });

  it('honours q-values: gzip;q=0 and gzip;q=0 with * get the plain bytes', async () => {
    const plain = await get(server, CLIENTS);
    for (const field of ['gzip;q=0', 'gzip;q=0, *', 'identity']) {
      const answer = await get(server, CLIENTS, { 'accept-encoding': field });
      assert.equal(answer.headers['content-encoding'], undefined, field);
      assert.deepEqual(answer.body, plain.body, field);
    }
    assert.equal((await get(server, CLIENTS, { 'accept-encoding': 'deflate;q=0.5, *;q=0.8' })).headers['content-encoding'], 'gzip');
  });

  it('gives Clientexec callers a weak tag of their own part: never a 304 meant for another caller', async () => {
    const admin = await get(server, USERS_ONLINE, { 'x-api-key': adminKey });
    const reader = await get(server, USERS_ONLINE, { 'x-api-key': readerKey });
    assert.match(admin.headers.etag!, /^W\//, '`elapsed` differs between requests');
    assert.notEqual(admin.headers.etag, reader.headers.etag);

    const readerWithAdminsTag = await get(server, USERS_ONLINE, { 'x-api-key': readerKey, 'if-none-match': admin.headers.etag! });
    assert.equal(readerWithAdminsTag.status, 200);
    assert.deepEqual(
      [JSON.parse(readerWithAdminsTag.body.toString()).self, JSON.parse(readerWithAdminsTag.body.toString()).superadmin],
      [77, 0],
    );
    assert.equal((await get(server, USERS_ONLINE, { 'x-api-key': readerKey, 'if-none-match': reader.headers.etag! })).status, 304);
    assert.equal((await get(server, USERS_ONLINE, { 'x-api-key': adminKey, 'if-none-match': admin.headers.etag! })).status, 304);
  });

  it("compresses Clientexec's shared lists once and appends each caller's part", async () => {
    for (const key of [adminKey, readerKey]) {
      const plain = await get(server, USERS_ONLINE, { 'x-api-key': key });
      const zipped = await get(server, USERS_ONLINE, { 'x-api-key': key, ...GZIP });
      assert.equal(zipped.headers['content-encoding'], 'gzip');
      assert.equal(Number(zipped.headers['content-length']), zipped.body.length);
      const body = gunzipSync(zipped.body);
      assert.equal(withoutElapsed(body), withoutElapsed(plain.body));
      assert.match(body.toString(), /"elapsed":"\d+\.\d{3}","message":""}$/);
    }
  });

  it('gives errors no tag', async () => {
    const badPassword = await get(server, `/api/command?username=test&password=wrong&action=get_connected_clients`);
    assert.equal(badPassword.status, 200, 'command errors answer 200');
    assert.match(badPassword.body.toString(), /<error/);
    const badType = await get(server, `${CLIENTS}&type=nonsense`);
    assert.match(badType.body.toString(), /<error>/);
    const noKey = await get(server, USERS_ONLINE);
    assert.equal(noKey.status, 401);
    const notAdmin = await get(server, ACTIVE_USERS, { authorization: `Bearer ${readerKey}` });
    assert.equal(notAdmin.status, 403);
    for (const answer of [badPassword, badType, noKey, notAdmin]) {
      assert.equal(answer.headers.etag, undefined);
      assert.equal(answer.headers['content-encoding'], undefined);
    }
    assert.equal(badPassword.headers['cache-control'], 'no-store');
  });

  it('leaves small answers uncompressed, and gives POSTed commands no tag', async () => {
    const info = await get(server, `/api/command?${adminQuery}&action=get_api_info`, GZIP);
    assert.equal(info.status, 200);
    assert.equal(info.headers['content-encoding'], undefined, 'under a kilobyte');
    assert.equal(info.headers.vary, undefined);
    assert.ok(info.headers.etag);

    const form = { 'content-type': 'application/x-www-form-urlencoded', ...GZIP };
    const posted = await get(server, '/api/command', form, 'POST', `${DOC_CREDENTIALS}&action=get_connected_clients`);
    assert.equal(posted.status, 200);
    assert.equal(posted.headers.etag, undefined);
    assert.equal(posted.headers['cache-control'], 'no-store');
    assert.deepEqual(gunzipSync(posted.body), (await get(server, CLIENTS)).body);
  });
});

describe('answers with the answer cache off', () => {
  let server: TestServer;
  before(async () => {
    server = await startBtServer({ btCacheMs: 0, pollCacheMs: 0 });
    for (let i = 1; i <= 12; i++) await openSession(server, openBody({ user: { id: `${i}`, name: `User ${i}`, type: 'staff' } }));
  });
  after(() => server.close());

  it('carry no tag and go out uncompressed, as before', async () => {
    const key = (await createApiKey(server)).key;
    for (const [path, headers] of [
      [CLIENTS, {}],
      [USERS_ONLINE, { 'x-api-key': key }],
      [ACTIVE_USERS, { authorization: `Bearer ${key}` }],
    ] as const) {
      const answer = await get(server, path, { ...headers, ...GZIP, 'if-none-match': '*' });
      assert.equal(answer.status, 200, path);
      assert.equal(answer.headers.etag, undefined, path);
      assert.equal(answer.headers['content-encoding'], undefined, path);
    }
  });
});
