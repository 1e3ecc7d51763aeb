// The SDK's bundle as every rollcall serves it (GET /sdk/rollcall-client.js): this checkout's minified
// browser build of @rollcall/client, one ES module that stands alone (no `ws`, no import of anything),
// loadable from any origin, revalidated on every load and immutable under its content hash. Without a
// build the route says so.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { SDK_BUNDLE_PATH as URL_PATH, sdkBundle } from '../../src/web/sdk-bundle.ts';
import { request } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ROOT, SDK_BUNDLE, buildBrowserCode } from './browser.ts';

describe('GET /sdk/rollcall-client.js', () => {
  let server: TestServer;
  let built: string;

  before(async () => {
    buildBrowserCode('client'); // this checkout's SDK, never a stale build
    built = readFileSync(SDK_BUNDLE, 'utf8');
    server = await startTestServer();
  });

  after(async () => {
    await server?.close();
  });

  test('serves the minified browser build, to any origin, revalidated on every load', async () => {
    const answer = await request(server.url, 'GET', URL_PATH, { headers: { origin: 'https://app.example.com' } });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(answer.text, built, 'the build of @rollcall/client, byte for byte');
    assert.equal(answer.headers.get('cache-control'), 'no-cache');
    assert.equal(answer.headers.get('access-control-allow-origin'), '*', 'a module script of another origin is fetched with CORS');
    assert.equal(answer.headers.get('cross-origin-resource-policy'), 'cross-origin');

    const readable = readFileSync(join(ROOT, 'packages/client/dist/browser/index.js'), 'utf8');
    assert.ok(answer.text.length < readable.length / 1.5, `minified: ${answer.text.length} bytes, ${readable.length} readable`);
    assert.ok(answer.text.split('\n').length < 5, 'minified into a line or two');
  });

  test('is the browser build: no ws, no import at all, a module that stands alone', async () => {
    const { text } = await request(server.url, 'GET', URL_PATH);
    assert.doesNotMatch(text, /["']ws["']/, 'nothing names ws');
    assert.doesNotMatch(text, /\bimport\s*[("'{*]|\bfrom\s*["']/, 'no import of anything: one file is the whole SDK');
    // Loaded from a folder with nothing beside it, as a page loads it from the server.
    const dir = mkdtempSync(join(tmpdir(), 'rollcall-sdk-bundle-'));
    try {
      const file = join(dir, 'rollcall-client.js');
      writeFileSync(file, text);
      const sdk = (await import(pathToFileURL(file).href)) as typeof import('@rollcall/client');
      assert.equal(typeof sdk.RollcallClient, 'function');
      assert.equal(sdk.CloseCode.serviceRestart, 1012);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('answers 304 to a browser that has it, and is immutable under its content hash', async () => {
    const first = await request(server.url, 'GET', URL_PATH);
    const etag = first.headers.get('etag') ?? '';
    const again = await request(server.url, 'GET', URL_PATH, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
    assert.equal(again.headers.get('access-control-allow-origin'), '*');

    const version = etag.slice(1, 13);
    const pinned = await request(server.url, 'GET', `${URL_PATH}?v=${version}`);
    assert.equal(pinned.status, 200);
    assert.equal(pinned.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const other = await request(server.url, 'GET', `${URL_PATH}?v=000000000000`);
    assert.equal(other.headers.get('cache-control'), 'no-cache', 'another build is never pinned');
  });

  test('says so when the SDK is not built', async () => {
    const app = Fastify();
    await app.register(sdkBundle, { bundleFile: join(tmpdir(), 'no-such-rollcall-client.min.js') });
    try {
      const answer = await app.inject({ method: 'GET', url: URL_PATH });
      assert.equal(answer.statusCode, 503);
      assert.equal(answer.headers['cache-control'], 'no-store');
      assert.match(answer.body, /npm run build:client/);
    } finally {
      await app.close();
    }
  });
});
