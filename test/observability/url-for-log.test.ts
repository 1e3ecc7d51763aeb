// Request logs show URLs with secrets taken out. Routes read parameter names decoded, so the log
// must too: a key sent as `?ap%69key=` was accepted by the Clientexec route and logged in clear.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { urlForLog } from '../../src/server/app.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { request } from '../helpers/http.ts';

/** One spelling of `name` as a client may write it: each character as itself, or %XX in either case. */
const spelling = (name: string) =>
  fc
    .tuple(
      ...[...name].map((char) =>
        fc.constantFrom(char, `%${char.charCodeAt(0).toString(16)}`, `%${char.charCodeAt(0).toString(16).toUpperCase()}`),
      ),
    )
    .map((parts) => parts.join(''));
const secretValue = fc.stringMatching(/^[A-Za-z0-9_-]{8,40}$/);
const otherParameter = fc
  .tuple(fc.constantFrom('a', 'page', 'x y', 'other'), fc.stringMatching(/^[a-z0-9]{0,6}$/))
  .map(([n, v]) => `${encodeURIComponent(n)}=${v}`);

test('a secret query parameter never reaches the log, however its name is escaped', () => {
  const names = ['apikey', 'key', 'password', 'access_token', 'client_secret'];
  fc.assert(
    fc.property(
      fc.constantFrom(...names).chain(spelling),
      secretValue,
      fc.array(otherParameter, { maxLength: 3 }),
      fc.constantFrom('/api/users/usersonline', '/v1/users', '/x'),
      (name, value, others, path) => {
        const url = `${path}?${[...others, `${name}=${value}`].join('&')}`;
        assert.ok(!urlForLog(url).includes(value), `${url} → ${urlForLog(url)}`);
      },
    ),
    { numRuns: 1000 },
  );
});

test('a parameter name that does not decode counts as a secret; ordinary parameters stay readable', () => {
  assert.ok(!urlForLog('/v1/users?ap%zzikey=secretsecret').includes('secretsecret'));
  assert.equal(urlForLog('/v1/users?status=online&limit=5'), '/v1/users?status=online&limit=5');
  assert.equal(urlForLog('/api/users/usersonline?apikey=abc&x=1'), '/api/users/usersonline?apikey=[Redacted]&x=1');
});

let server: TestServer;
before(async () => {
  server = await startTestServer({ logLevel: 'debug' }, undefined, { captureLog: true });
});
after(() => server.close());

test('a Clientexec key sent as ?ap%69key= is answered as before and kept out of the log', async () => {
  const created = await request(server.url, 'POST', '/v1/keys', {
    headers: { ...server.admin, 'content-type': 'application/json' },
    body: { kind: 'api' },
  });
  const key = created.json.key as string;
  const answer = await request(server.url, 'GET', `/api/users/usersonline?ap%69key=${key}`);
  assert.equal(answer.status, 200, answer.text);
  await waitFor(() => server.log().includes('request completed'), { what: 'the request lines' });
  assert.ok(!server.log().includes(key.slice(7)), 'the key is in the log');
});
