// Client hints through the real ingest (specs/INGEST.md's open body, plus rollcall's `clientHints`): an
// open, a PATCH and a WebSocket hello and update carry them, the session keeps them, and its agent names
// what they say (Windows 11 behind "Windows NT 10.0"). Bad hints are refused like any other field,
// naming it, and change nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket as WsWebSocket } from 'ws';
import { RollcallClient } from '@rollcall/client';
import { LIMITS } from '../../src/core/input-schemas.ts';
import { request } from '../helpers/http.ts';
import { openSession, updateSession } from '../helpers/ingest.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';

const AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36';
const BRANDS = [
  { brand: 'Not)A;Brand', version: '8.0.0.0' },
  { brand: 'Chromium', version: '138.0.7204.50' },
  { brand: 'Google Chrome', version: '138.0.7204.50' },
];
const WINDOWS_11 = { platform: 'Windows', platformVersion: '19.0.0', fullVersionList: BRANDS, model: '' };

let server: TestServer;

async function readSession(id: number) {
  const answer = await request(server.url, 'GET', `/v1/sessions/${id}`, { headers: server.admin });
  assert.equal(answer.status, 200, answer.text);
  return answer.json;
}

describe('client hints over ingest', () => {
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  it('an HTTP open keeps them and names the OS and browser from them; a PATCH replaces them', async () => {
    const id = await openSession(server, openBody({ userAgent: AGENT, clientHints: WINDOWS_11 }));
    const opened = await readSession(id);
    assert.deepStrictEqual(opened.clientHints, WINDOWS_11);
    assert.deepStrictEqual(opened.agent, {
      browser: 'Chrome',
      version: '138.0.7204.50',
      majorVersion: 138,
      os: 'Windows',
      osVersion: '11',
    });

    await updateSession(server, id, { clientHints: { platform: 'Windows', platformVersion: '10.0.0' } });
    const patched = await readSession(id);
    assert.deepStrictEqual(patched.clientHints, { platform: 'Windows', platformVersion: '10.0.0' });
    assert.deepStrictEqual(patched.agent, { browser: 'Chrome', version: '138.0.0.0', majorVersion: 138, os: 'Windows', osVersion: '10' });

    const without = await readSession(
      await openSession(server, openBody({ user: { id: 'no-hints', name: 'No Hints' }, userAgent: AGENT })),
    );
    assert.equal('clientHints' in without, false);
    assert.deepStrictEqual(
      without.agent,
      { browser: 'Chrome', version: '138.0.0.0', majorVersion: 138, os: 'Windows' },
      'Windows 10 or 11: no version named',
    );
  });

  it('refuses unknown, overlong, too many and mistyped hints, naming the field, and opens nothing', async () => {
    const sessions = async () =>
      (await request(server.url, 'GET', '/v1/sessions?limit=1000', { headers: server.admin })).json.sessions.length as number;
    const before = await sessions();
    const long = 'x'.repeat(LIMITS.clientHintField + 1);
    const bad: [unknown, RegExp][] = [
      [{ ...WINDOWS_11, architecture: 'x86' }, /^clientHints: unknown field "architecture"/],
      [{ mobile: true }, /^clientHints: unknown field "mobile"/],
      [{ platformVersion: long }, /^clientHints\.platformVersion: must NOT have more than 128 characters/],
      [{ fullVersionList: [{ brand: long, version: '1' }] }, /^clientHints\.fullVersionList\[0\]\.brand: must NOT have more than 128/],
      [
        { fullVersionList: Array.from({ length: LIMITS.brandsPerClientHints + 1 }, () => BRANDS[1]) },
        /^clientHints\.fullVersionList: at most 16 items/,
      ],
      [{ fullVersionList: [{ brand: 'Chromium' }] }, /^clientHints\.fullVersionList\[0\]\.version: required/],
      [{ model: 7 }, /^clientHints\.model: must be string/],
      ['Windows', /^clientHints: must be object/],
    ];
    for (const [clientHints, message] of bad) {
      const answer = await request(server.url, 'POST', '/v1/sessions', {
        headers: server.ingest,
        body: { ...openBody({ userAgent: AGENT }), clientHints },
      });
      assert.equal(answer.status, 400, answer.text);
      assert.equal(answer.json.error.code, 'invalid_body');
      assert.match(answer.json.error.message, message, JSON.stringify(clientHints));
    }
    assert.equal(await sessions(), before);
    const atLimit = 'x'.repeat(LIMITS.clientHintField);
    const id = await openSession(
      server,
      openBody({
        user: { id: 'limits', name: 'Limits' },
        clientHints: {
          platform: atLimit,
          platformVersion: atLimit,
          model: atLimit,
          fullVersionList: Array.from({ length: LIMITS.brandsPerClientHints }, () => ({ brand: atLimit, version: atLimit })),
        },
      }),
    );
    assert.equal((await readSession(id)).clientHints.fullVersionList.length, LIMITS.brandsPerClientHints);
  });

  it('a WebSocket hello and update frame carry them', async () => {
    const token = await server.token({ sub: 'ws-hints', name: 'WS Hints', utype: 'staff' });
    const client = new RollcallClient({
      url: server.url,
      token,
      WebSocket: WsWebSocket,
      session: { userAgent: AGENT, clientHints: WINDOWS_11 },
    });
    try {
      await client.connect();
      const id = client.sessionId!;
      const session = await server.rollcall.presence.getSession(id);
      assert.deepStrictEqual(session?.clientHints, WINDOWS_11);
      assert.equal(session?.agent?.osVersion, '11');

      client.update({
        clientHints: { platform: 'macOS', platformVersion: '15.5.0' },
        userAgent: AGENT.replace('Windows NT 10.0; Win64; x64', 'Macintosh; Intel Mac OS X 10_15_7'),
      });
      const moved = await waitFor(
        async () => {
          const s = await server.rollcall.presence.getSession(id);
          return s?.agent?.os === 'macOS' ? s : undefined;
        },
        { what: 'the update to arrive' },
      );
      assert.deepStrictEqual(moved.agent, { browser: 'Chrome', version: '138.0.0.0', majorVersion: 138, os: 'macOS', osVersion: '15.5' });
    } finally {
      await client.close();
    }
  });
});
