// Motadata's "Get Active Users" over real HTTP (specs/WIRE-FORMATS.md § 3): sessions are reported
// through the real ingest routes, answers are checked for key order and types, not only values, and
// every error is in Motadata's envelope.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { openBody } from '../../helpers/sessions.ts';
import {
  call,
  createApiKey,
  closeSession,
  heartbeat,
  openSession,
  shapeOf,
  startLoggedServer,
  updateSession,
  type Answer,
} from '../shared/dialect-client.ts';

const PATH = '/api/v1/settings/users/active-users';
const SHORT_PATH = '/settings/users/active-users';
const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36';

/** The document's example response, word for word. */
const DOCUMENT_EXAMPLE = `{
"status": "succeed",
"response-code": 200,
"result": [
{
"browser": "Chrome",
"version": "134.0.0.0",
"majorVersion": 134,
"userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36",
"os": "Linux",
"user.id": 10000000000001,
"last.active.timestamp": 1772099443,
"duration": 268163,
"user.name": "admin",
"user.type": "System",
"remote.address": "10.20.41.105"
}
]
}`;

const ENTRY_SHAPE = [
  ['browser', 'string'],
  ['version', 'string'],
  ['majorVersion', 'number'],
  ['userAgent', 'string'],
  ['os', 'string'],
  ['user.id', 'number'],
  ['last.active.timestamp', 'number'],
  ['duration', 'number'],
  ['user.name', 'string'],
  ['user.type', 'string'],
  ['remote.address', 'string'],
];
const UNAUTHORIZED = { 'response-code': 403, message: 'Unauthorized access: Client is not allowed to access API', 'error.code': 'MD022' };

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const activeUsers = (server: Pick<TestServer, 'url'>, key: string, path = PATH) => call(server, 'GET', path, bearer(key));

function assertUnauthorized(answer: Answer) {
  assert.equal(answer.status, 403, answer.text);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
  // Text equality: the documented keys in the documented order (no "status" in the 403), same values.
  assert.equal(answer.text, JSON.stringify(UNAUTHORIZED));
}

function assertFailure(answer: Answer, status: number, message: RegExp) {
  assert.equal(answer.status, status, answer.text);
  assert.deepEqual(shapeOf(answer.json), [
    ['response-code', 'number'],
    ['status', 'string'],
    ['message', 'string'],
    ['error.code', 'string'],
  ]);
  assert.equal(answer.json['response-code'], status);
  assert.equal(answer.json.status, 'fail');
  assert.match(answer.json['error.code'], /^MD\d{3}$/);
  assert.match(answer.json.message, message);
}

describe('Motadata active users: the document', () => {
  it("reproduces the document's example from the same session reported through ingest", async (t) => {
    const lastActive = 1772099443 * 1000;
    const started = lastActive - 268163 * 1000;
    // Date is mocked before the server starts, so the core's clock and the dialect's agree.
    t.mock.timers.enable({ apis: ['Date'], now: started });
    // The document's client is at 10.20.41.105: it reaches rollcall through a proxy that says so.
    const server = await startTestServer({ trustProxy: true, sessionTtl: 86_400 });
    try {
      const { key } = await createApiKey(server);
      const id = await openSession(
        server,
        openBody({
          user: { id: '10000000000001', name: 'Administrator', username: 'admin', type: 'system' },
          clientType: 'web',
          userAgent: CHROME_LINUX,
        }),
        { 'x-forwarded-for': '10.20.41.105' },
      );
      // Three days and more of use: a heartbeat every 12 hours keeps the session within its 24-hour TTL.
      while (Date.now() < lastActive) {
        t.mock.timers.tick(Math.min(12 * 3600_000, lastActive - Date.now()));
        await heartbeat(server, id);
      }

      const answer = await activeUsers(server, key);
      assert.equal(answer.status, 200, answer.text);
      assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(answer.text, JSON.stringify(JSON.parse(DOCUMENT_EXAMPLE)));
    } finally {
      await server.close();
    }
  });
});

describe('Motadata active users', () => {
  let server: TestServer;
  let adminKey: string;
  beforeEach(async () => {
    // These tests look at the answer right after each change: no shared answer window.
    server = await startTestServer({ pollCacheMs: 0 });
    adminKey = (await createApiKey(server)).key;
  });
  afterEach(async () => {
    await server.close();
  });

  it('answers one entry per live session, with the documented keys in order and their types', async () => {
    const before = Math.floor(Date.now() / 1000);
    await openSession(server, openBody({ user: { id: '4145', name: 'Jack Smith', type: 'staff' }, userAgent: CHROME_LINUX }));
    await openSession(server, openBody({ user: { id: '4145', name: 'Jack Smith', type: 'staff' } }));
    await closeSession(server, await openSession(server, openBody({ user: { id: '1', name: 'Gone' } })));

    const answer = await activeUsers(server, adminKey);
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(shapeOf(answer.json), [
      ['status', 'string'],
      ['response-code', 'number'],
      ['result', 'array'],
    ]);
    assert.equal(answer.json.status, 'succeed');
    assert.equal(answer.json['response-code'], 200);
    assert.equal(answer.json.result.length, 2, 'one entry per live session; ended sessions are gone');
    for (const entry of answer.json.result) {
      assert.deepEqual(shapeOf(entry), ENTRY_SHAPE);
      assert.ok(Number.isInteger(entry.majorVersion));
      assert.ok(Number.isInteger(entry['last.active.timestamp']));
      assert.ok(entry['last.active.timestamp'] >= before && entry['last.active.timestamp'] <= Date.now() / 1000, 'seconds, not ms');
      assert.ok(Number.isInteger(entry.duration) && entry.duration >= 0 && entry.duration < 60, 'seconds since the session began');
      assert.equal(entry['user.id'], 4145);
      assert.equal(entry['user.name'], 'Jack Smith', 'the name when no username was reported');
      assert.equal(entry['user.type'], 'Staff');
      assert.equal(entry['remote.address'], '127.0.0.1');
    }
  });

  it('also answers at /settings/users/active-users', async () => {
    await openSession(server, openBody());
    const answer = await activeUsers(server, adminKey, SHORT_PATH);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.json.result.length, 1);
    assert.deepEqual(shapeOf(answer.json.result[0]), ENTRY_SHAPE);
  });

  it('user.id is a number exactly when the id is canonical digits up to 2^53, else the string', async () => {
    const ids = ['0', '7', '10000000000001', '9007199254740992', '9007199254740993', '0042', '-5', '1e3', 'jsmith'];
    for (const id of ids) await openSession(server, openBody({ user: { id, name: `User ${id}` } }));
    const { json } = await activeUsers(server, adminKey);
    assert.deepEqual(
      json.result.map((e: Record<string, unknown>) => e['user.id']),
      [0, 7, 10000000000001, 9007199254740992, '9007199254740993', '0042', '-5', '1e3', 'jsmith'],
    );
  });

  it('parses agents per session: browsers, bots, tools, none (the reported platform), and a changed agent', async () => {
    const cases: [Parameters<typeof openBody>[0], [string, string, number, string]][] = [
      [{ userAgent: CHROME_LINUX }, ['Chrome', '134.0.0.0', 134, 'Linux']],
      [{ userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0' }, ['Firefox', '130.0', 130, 'Linux']],
      [
        {
          userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
          platform: { id: 'x', name: 'Crawler OS' },
        },
        ['Googlebot', '2.1', 2, 'Crawler OS'],
      ],
      [{ userAgent: 'curl/8.5.0' }, ['curl', '8.5.0', 8, 'Windows 11 (x64)']],
      [{ userAgent: '' }, ['Unknown', '', 0, 'Windows 11 (x64)']],
      [{ userAgent: undefined }, ['Unknown', '', 0, 'Windows 11 (x64)']],
      [{ userAgent: undefined, platform: undefined }, ['Unknown', '', 0, 'Unknown']],
      [{ userAgent: '\u0000\u0007' + 'x'.repeat(500) }, ['Unknown', '', 0, 'Windows 11 (x64)']],
    ];
    // An undefined override is left out of the JSON body: the session reports no such field.
    for (const [overrides] of cases) await openSession(server, openBody(overrides));
    const { json } = await activeUsers(server, adminKey);
    const described = json.result.map((e: Record<string, unknown>) => [e.browser, e.version, e.majorVersion, e.os]);
    assert.deepEqual(
      described,
      cases.map(([, expected]) => expected),
    );
    assert.equal(json.result[4].userAgent, '', 'no agent: an empty string');

    // A session that reports a new agent is parsed again; one that only heartbeats is not changed.
    const id = await openSession(server, openBody({ user: { id: 'upd', name: 'Updates' }, userAgent: 'curl/8.5.0' }));
    await heartbeat(server, id);
    await updateSession(server, id, { userAgent: CHROME_LINUX });
    const after = (await activeUsers(server, adminKey)).json.result.at(-1);
    assert.deepEqual(
      [after.browser, after.version, after.majorVersion, after.os, after.userAgent],
      ['Chrome', '134.0.0.0', 134, 'Linux', CHROME_LINUX],
    );
  });

  it('shows an IPv4 client seen on a dual-stack socket as IPv4', async () => {
    const ipv6 = await startTestServer({ trustProxy: true });
    try {
      const { key } = await createApiKey(ipv6);
      await openSession(ipv6, openBody(), { 'x-forwarded-for': '::ffff:10.1.2.3' });
      await openSession(ipv6, openBody(), { 'x-forwarded-for': '2001:db8::7' });
      const { json } = await activeUsers(ipv6, key);
      assert.deepEqual(
        json.result.map((e: Record<string, unknown>) => e['remote.address']),
        ['10.1.2.3', '2001:db8::7'],
      );
    } finally {
      await ipv6.close();
    }
  });

  it('answers the documented 403 MD022 for no token, a bad token, another scheme, and a reader account', async () => {
    assertUnauthorized(await call(server, 'GET', PATH));
    assertUnauthorized(await call(server, 'GET', SHORT_PATH));
    assertUnauthorized(await activeUsers(server, 'rc_api_not-a-key'));
    assertUnauthorized(await call(server, 'GET', PATH, { 'x-api-key': adminKey }));
    assertUnauthorized(await call(server, 'GET', PATH, server.admin));
    assertUnauthorized(await activeUsers(server, server.ingest.authorization!.slice('Bearer '.length)));
    const reader = await createApiKey(server, { role: 'reader' });
    assertUnauthorized(await activeUsers(server, reader.key));
  });

  it('answers 400 fail with an MD code for a bad parameter', async () => {
    const answer = await call(server, 'GET', `${PATH}?user.id=7`, bearer(adminKey));
    assertFailure(answer, 400, /^Bad request: .*user\.id/);
    assert.equal(answer.json['error.code'], 'MD031');
  });

  it('answers unknown paths under /api/v1/ in its envelope', async () => {
    for (const path of ['/api/v1/settings/users/nope', '/api/v1/', '/api/v1/x?y=1']) {
      const answer = await call(server, 'GET', path, bearer(adminKey));
      assertFailure(answer, 404, /^Not found: no route GET \/api\/v1\//);
      assert.doesNotMatch(answer.json.message, /\?/, 'no query string echoed');
    }
    const post = await call(server, 'POST', PATH, bearer(adminKey));
    assertFailure(post, 404, /POST/);
    // Outside /api/v1/ the other APIs keep their own shapes.
    const v1 = await call(server, 'GET', '/v1/nope', server.admin);
    assert.deepEqual(Object.keys(v1.json), ['error']);
  });
});

describe('Motadata active users: internal faults', () => {
  it('answers 500 in the document shape with an error id the log holds, and no internals', async () => {
    const server = await startLoggedServer();
    try {
      const { key } = await createApiKey(server);
      server.rollcall.presence.listSessions = async () => {
        throw new TypeError('Cannot read properties of undefined (reading "content") in /srv/rollcall/live.ts');
      };
      const answer = await activeUsers(server, key);
      assert.equal(answer.status, 500, answer.text);
      assert.deepEqual(Object.keys(answer.json), ['result']);
      assert.equal(answer.json.result.length, 1);
      const [failure] = answer.json.result;
      assert.deepEqual(shapeOf(failure), [
        ['response-code', 'number'],
        ['status', 'string'],
        ['message', 'string'],
        ['error.code', 'string'],
        ['error', 'string'],
      ]);
      assert.equal(failure['response-code'], 500);
      assert.equal(failure.status, 'fail');
      assert.match(failure.error, /^[0-9a-f-]{36}$/);
      assert.equal(failure.message, `Internal server exception, reference ${failure.error}`);
      assert.doesNotMatch(answer.text, /content|\/srv|TypeError|\n\s+at /);
      const line = server
        .log()
        .split('\n')
        .find((l) => l.includes(failure.error));
      assert.ok(line, 'the error id is in the log');
      assert.match(line, /Cannot read properties of undefined/);
    } finally {
      await server.close();
    }
  });
});
