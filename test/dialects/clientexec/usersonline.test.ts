// Clientexec's "Get Online Users" over real HTTP (specs/WIRE-FORMATS.md § 2): sessions are reported
// through the real ingest routes, and answers are checked for key order and types, not only values.
// Where a test needs times in the past it mocks Date before the server starts, so the core's clock
// and the dialect's agree; timers stay real.
import { afterEach, beforeEach, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { openBody } from '../../helpers/sessions.ts';
import type { OpenSessionBody } from '../../../src/core/input-schemas.ts';
import { call, closeSession, createApiKey, openSession, shapeOf, startLoggedServer, type Answer } from '../shared/dialect-client.ts';

const PATH = '/api/users/usersonline';
const MINUTE = 60_000;

/** The document's example response, word for word. */
const DOCUMENT_EXAMPLE = `{
    "timestamp": 1391189699,
    "staff": [

    ],
    "customers": [

    ],
    "count": 2,
    "offlinecount": 5,
    "users": [
        {
            "id": "4145",
            "name": "Jack Smith",
            "email": "[email protected]",
            "time": "10m",
            "status": 0,
            "link": "urllinktoticket",
            "color": "green",
            "type": "customer",
            "lastview": "",
            "online": 1
        },
        {
            "id": "23243",
            "name": "Joshua Post",
            "email": "[email protected]",
            "time": "6m",
            "status": 0,
            "link": "urllinktoticket",
            "color": "green",
            "type": "staff",
            "lastview": {
                "m": "support",
                "v": "getticket",
                "t": "ticketid|105792"
            },
            "online": 1
        }
    ],
    "offlineusers": [
        {
            "id": "21150",
            "name": "Justin Patterson",
            "email": "[email protected]",
            "time": "57m",
            "status": 0,
            "link": "urllinktoticket",
            "color": "yellow",
            "type": "staff",
            "online": 0
        },
        {
            "id": "23111",
            "name": "Jesse Wolf",
            "email": "[email protected]",
            "time": "1h 14m",
            "status": 0,
            "link": "urllinktoticket",
            "color": "yellow",
            "type": "customer",
            "online": 0
        },
        {
            "id": "21780",
            "name": "Alejandro Cordova",
            "email": "[email protected]",
            "time": "1h 19m",
            "status": 0,
            "link": "urllinktoticket",
            "color": "yellow",
            "type": "staff",
            "online": 0
        },
        {
            "id": "10182",
            "name": "Juan Box.",
            "email": "[email protected]",
            "time": "3h 44m",
            "status": 0,
            "link": "urllinktoticket",
            "color": "yellow",
            "type": "staff",
            "online": 0
        },
        {
            "id": "2072",
            "name": "CPA Business Name",
            "email": "[email protected]",
            "time": "6h 59m",
            "status": 0,
            "link": "urllinktoticket",
            "color": "yellow",
            "type": "customer",
            "online": 0
        }
    ],
    "superadmin": 0,
    "self": 0,
    "elapsed": "0.403",
    "message": ""
}`;

const ENVELOPE_SHAPE = [
  ['timestamp', 'number'],
  ['staff', 'array'],
  ['customers', 'array'],
  ['count', 'number'],
  ['offlinecount', 'number'],
  ['users', 'array'],
  ['offlineusers', 'array'],
  ['superadmin', 'number'],
  ['self', 'number'],
  ['elapsed', 'string'],
  ['message', 'string'],
];
const USER_KEYS = ['id', 'name', 'email', 'time', 'status', 'link', 'color', 'type'];
const ONLINE_USER_SHAPE = [
  ...USER_KEYS.map((k) => [k, k === 'status' ? 'number' : 'string']),
  ['lastview', 'string'],
  ['online', 'number'],
];
const OFFLINE_USER_SHAPE = [...USER_KEYS.map((k) => [k, k === 'status' ? 'number' : 'string']), ['online', 'number']];
const ERROR_SHAPE = [
  ['timestamp', 'number'],
  ['elapsed', 'string'],
  ['message', 'string'],
  ['error', 'boolean'],
];
const ELAPSED = /^\d+\.\d{3}$/;

const user = (id: string, name: string, type: string, extra: Partial<OpenSessionBody> = {}): OpenSessionBody =>
  openBody({ user: { id, name, email: '[email protected]', type }, ...extra });

const usersOnline = (server: Pick<TestServer, 'url'>, key: string, query = '') =>
  call(server, 'GET', `${PATH}${query}`, { 'x-api-key': key });

function assertErrorAnswer(answer: Answer, status: number, message: RegExp) {
  assert.equal(answer.status, status, answer.text);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(shapeOf(answer.json), ERROR_SHAPE);
  assert.equal(answer.json.error, true);
  assert.match(answer.json.elapsed, ELAPSED);
  assert.ok(Number.isInteger(answer.json.timestamp));
  assert.ok(Math.abs(answer.json.timestamp - Date.now() / 1000) < 60);
  assert.match(answer.json.message, message);
  assert.doesNotMatch(answer.text, /\n\s+at |\/work\/|node_modules/);
}

/** Mocks Date at `start` (ms) for this test, before any server starts, so the core uses the mock too. */
function freezeTime(t: TestContext, start: number): (toMs: number) => void {
  t.mock.timers.enable({ apis: ['Date'], now: start });
  return (to) => {
    assert.ok(to >= Date.now(), 'time only moves forward');
    t.mock.timers.tick(to - Date.now());
  };
}

describe('Clientexec usersonline: the document', () => {
  it("reproduces the document's example from the same users reported through ingest", async (t) => {
    const T = 1391189699 * 1000;
    const at = freezeTime(t, T - (6 * 60 + 59) * MINUTE);
    const server = await startTestServer({ ceLinkTemplate: 'urllinktoticket', sessionTtl: 3600 });
    try {
      const { key } = await createApiKey(server, { role: 'reader' });
      // Offline users: each was last active this long before T, then said goodbye.
      const offline: [OpenSessionBody, number][] = [
        [user('2072', 'CPA Business Name', 'customer'), 6 * 60 + 59],
        [user('10182', 'Juan Box.', 'staff'), 3 * 60 + 44],
        [user('21780', 'Alejandro Cordova', 'staff'), 79],
        [user('23111', 'Jesse Wolf', 'customer'), 74],
        [user('21150', 'Justin Patterson', 'staff'), 57],
      ];
      for (const [body, minutesAgo] of offline) {
        at(T - minutesAgo * MINUTE);
        await closeSession(server, await openSession(server, body));
      }
      at(T - 10 * MINUTE);
      await openSession(server, user('4145', 'Jack Smith', 'customer'));
      at(T - 6 * MINUTE);
      await openSession(server, user('23243', 'Joshua Post', 'staff', { view: { m: 'support', v: 'getticket', t: 'ticketid|105792' } }));
      at(T);

      const answer = await usersOnline(server, key);
      assert.equal(answer.status, 200, answer.text);
      assert.match(answer.json.elapsed, ELAPSED);
      const expected = { ...JSON.parse(DOCUMENT_EXAMPLE), elapsed: answer.json.elapsed };
      // Text equality: same keys, same order, same types, same values.
      assert.equal(answer.text, JSON.stringify(expected));
    } finally {
      await server.close();
    }
  });
});

describe('Clientexec usersonline: shape, users and callers', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({ ceLinkTemplate: 'https://billing.example/admin?{type}={id}' });
  });
  afterEach(async () => {
    await server.close();
  });

  it('answers the documented keys in order with their types; lastview only on online users', async () => {
    const { key } = await createApiKey(server);
    await openSession(server, user('7', 'Viewer', 'staff', { view: { m: 'support', v: 'getticket', t: 'ticketid|1' } }));
    await openSession(server, user('8', 'No View', 'customer'));
    await closeSession(server, await openSession(server, user('9', 'Gone', 'staff', { view: { m: 'kb', v: 'article', t: 'id|3' } })));

    const answer = await usersOnline(server, key);
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
    const body = answer.json;
    assert.deepEqual(shapeOf(body), ENVELOPE_SHAPE);
    assert.deepEqual(body.staff, []);
    assert.deepEqual(body.customers, []);
    assert.equal(body.message, '');
    assert.ok(Number.isInteger(body.timestamp) && Math.abs(body.timestamp - Date.now() / 1000) < 60);
    assert.match(body.elapsed, ELAPSED);
    assert.ok(Number(body.elapsed) < 5, 'elapsed is this request, in seconds');

    assert.equal(body.count, 2);
    assert.deepEqual(
      body.users.map((u: { id: string }) => u.id),
      ['7', '8'],
    );
    const [viewer, noView] = body.users;
    assert.deepEqual(
      shapeOf(viewer),
      ONLINE_USER_SHAPE.map(([k, t]) => [k, k === 'lastview' ? 'object' : t]),
    );
    assert.deepEqual(Object.keys(viewer.lastview), ['m', 'v', 't']);
    assert.deepEqual(viewer.lastview, { m: 'support', v: 'getticket', t: 'ticketid|1' });
    assert.deepEqual(shapeOf(noView), ONLINE_USER_SHAPE);
    assert.equal(noView.lastview, '');
    for (const online of body.users) {
      assert.equal(online.color, 'green');
      assert.equal(online.online, 1);
      assert.equal(online.status, 0);
      assert.equal(online.time, '0m');
    }

    assert.equal(body.offlinecount, 1);
    const [gone] = body.offlineusers;
    assert.deepEqual(shapeOf(gone), OFFLINE_USER_SHAPE, 'an offline user has no lastview, even with one remembered');
    assert.equal(gone.color, 'yellow');
    assert.equal(gone.online, 0);
  });

  it('maps user types to staff/customer, fills the link template, and answers "" for a missing email', async () => {
    const { key } = await createApiKey(server);
    await openSession(server, user('s1', 'Sys', 'system'));
    await openSession(server, user('g 1', 'Guest', 'guest'));
    await openSession(server, openBody({ user: { id: 'd1', name: 'No Type' } }));
    const { json } = await usersOnline(server, key);
    const byId = new Map(json.users.map((u: { id: string }) => [u.id, u]));
    assert.deepEqual(
      ['s1', 'g 1', 'd1'].map((id) => {
        const u = byId.get(id) as { type: string; link: string; email: string };
        return [u.type, u.link];
      }),
      [
        ['staff', 'https://billing.example/admin?staff=s1'],
        ['customer', 'https://billing.example/admin?customer=g%201'],
        ['customer', 'https://billing.example/admin?customer=d1'],
      ],
    );
    assert.equal((byId.get('d1') as { email: string }).email, '', 'no email: an empty string, never a missing key');
  });

  it('shows an online user once, with the sessions of all their devices', async () => {
    const { key } = await createApiKey(server);
    await openSession(server, user('42', 'Two Tabs', 'staff'));
    await openSession(server, user('42', 'Two Tabs', 'staff', { view: { m: 'a', v: 'b', t: 'c|d' } }));
    const { json } = await usersOnline(server, key);
    assert.equal(json.count, 1);
    assert.deepEqual(json.users[0].lastview, { m: 'a', v: 'b', t: 'c|d' });
    assert.equal(json.offlinecount, 0);
  });

  it('takes the key from X-API-Key, Authorization: Bearer, apikey= and key=', async () => {
    const { key } = await createApiKey(server);
    const ways: [string, string, Record<string, string>][] = [
      ['X-API-Key', PATH, { 'x-api-key': key }],
      ['Bearer', PATH, { authorization: `Bearer ${key}` }],
      ['apikey=', `${PATH}?apikey=${encodeURIComponent(key)}`, {}],
      ['key=', `${PATH}?key=${encodeURIComponent(key)}&fuse=admin`, {}],
    ];
    for (const [way, path, headers] of ways) {
      const answer = await call(server, 'GET', path, headers);
      assert.equal(answer.status, 200, `${way}: ${answer.text}`);
      assert.deepEqual(shapeOf(answer.json), ENVELOPE_SHAPE, way);
    }
  });

  it('superadmin is 1 for an admin account key, 0 for a reader; self is the key user as a number', async () => {
    const cases: [{ role?: 'reader'; userId?: string }, number, number][] = [
      [{}, 1, 0],
      [{ role: 'reader' }, 0, 0],
      [{ role: 'reader', userId: '23243' }, 0, 23243],
      [{ userId: '9007199254740992' }, 1, 2 ** 53],
      // Not a number exactly: 0, as for a key of no user (documented in src/dialects/shared/numeric-id.ts).
      [{ userId: 'jsmith' }, 1, 0],
      [{ userId: '0042' }, 1, 0],
      [{ userId: '9007199254740993' }, 1, 0],
    ];
    for (const [options, superadmin, self] of cases) {
      const { key } = await createApiKey(server, options);
      const { status, json, text } = await usersOnline(server, key);
      assert.equal(status, 200, text);
      assert.deepEqual([json.superadmin, json.self], [superadmin, self], JSON.stringify(options));
    }
  });

  it('answers 401 without a key and 403 for a key that is not a valid API key, in its error shape', async () => {
    assertErrorAnswer(await call(server, 'GET', PATH), 401, /missing API key/);
    assertErrorAnswer(await call(server, 'GET', PATH, { authorization: server.admin.authorization! }), 401, /missing API key/);
    assertErrorAnswer(await usersOnline(server, 'rc_api_not-a-key'), 403, /not valid/);
    assertErrorAnswer(await call(server, 'GET', `${PATH}?apikey=nope`), 403, /not valid/);
    // The ingest key reports sessions; it does not read them.
    assertErrorAnswer(await usersOnline(server, server.ingest.authorization!.slice('Bearer '.length)), 403, /not valid/);
    const revoked = await createApiKey(server);
    await server.rollcall.history.revokeApiKey(revoked.id);
    assertErrorAnswer(await usersOnline(server, revoked.key), 403, /not valid/);
  });

  it('answers 400 in its error shape for a malformed key parameter', async () => {
    assertErrorAnswer(await call(server, 'GET', `${PATH}?apikey=a&apikey=b`), 400, /apikey/);
  });
});

describe('Clientexec usersonline: offline users', () => {
  it('lists users seen within the offline window, most recent first, and keeps them across a restart', async (t) => {
    const start = Date.UTC(2025, 0, 1);
    const at = freezeTime(t, start);
    let server = await startTestServer({ offlineWindow: 3600, sessionTtl: 7200 });
    const dir = server.dataDir;
    try {
      const { key } = await createApiKey(server);
      const seen: [string, number][] = [
        ['old', 0],
        ['b', 30],
        ['a', 40],
        ['c', 65],
      ];
      for (const [id, minute] of seen) {
        at(start + minute * MINUTE);
        await closeSession(server, await openSession(server, user(id, `User ${id}`, 'staff')));
      }
      at(start + 70 * MINUTE);
      const expected = [
        ['c', '5m'],
        ['a', '30m'],
        ['b', '40m'],
      ];
      const offline = (answer: Answer) => answer.json.offlineusers.map((u: { id: string; time: string }) => [u.id, u.time]);
      const before = await usersOnline(server, key);
      assert.deepEqual(offline(before), expected, '"old" was seen 70 minutes ago, outside the 60-minute window');
      assert.equal(before.json.offlinecount, 3);

      await server.close({ keepData: true });
      server = await startTestServer({ offlineWindow: 3600, sessionTtl: 7200 }, dir);
      const after = await usersOnline(server, key);
      assert.equal(after.status, 200, after.text);
      assert.deepEqual(offline(after), expected);
      assert.equal(after.json.count, 0);
    } finally {
      await server.close();
    }
  });
});

describe('Clientexec usersonline: what reaches the log', () => {
  it('never logs a key sent in the query string', async () => {
    const server = await startLoggedServer();
    try {
      const { key } = await createApiKey(server);
      for (const query of [`?apikey=${key}`, `?fuse=x&key=${key}`, `?APIKEY=${key}`]) {
        assert.equal((await call(server, 'GET', `${PATH}${query}`, { 'x-api-key': key })).status, 200);
      }
      await call(server, 'GET', `${PATH}?apikey=${key}-wrong`);
      const log = server.log();
      assert.match(log, /incoming request/, 'request lines are written at debug');
      assert.match(log, /usersonline\?apikey=\[Redacted\]/);
      assert.ok(!log.includes(key), 'the key appears nowhere in the log');
    } finally {
      await server.close();
    }
  });

  it('answers an internal fault with a 500 naming only an error id, which the log holds with the error', async () => {
    const server = await startLoggedServer();
    try {
      const { key } = await createApiKey(server);
      server.rollcall.presence.users = async () => {
        throw new Error('history database at /var/lib/secret is corrupt');
      };
      const answer = await usersOnline(server, key);
      assertErrorAnswer(answer, 500, /^internal error; reference [0-9a-f-]{36}$/);
      assert.doesNotMatch(answer.text, /secret|corrupt/);
      const errorId = answer.json.message.split(' ').at(-1);
      const line = server
        .log()
        .split('\n')
        .find((l) => l.includes(errorId));
      assert.ok(line, 'the error id is in the log');
      assert.match(line, /history database at \/var\/lib\/secret is corrupt/);
    } finally {
      await server.close();
    }
  });
});
