// The dashboard's Fastify plugin on its own, over a throwaway assets directory: versioned asset URLs,
// content types, caching and revalidation, the "not built" answer, and who-am-I.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { renderV1Error } from '../../src/api/errors.ts';
import type { Credentials } from '../../src/auth/credentials.ts';
import { RollcallError } from '../../src/core/errors.ts';
import { dashboard } from '../../src/web/plugin.ts';

/** Knows one Basic header (an admin) and one Bearer key (a reader's). */
const credentials = {
  async reader(authorization: string | undefined) {
    if (authorization === 'Basic admin') return { account: { username: 'admin', role: 'admin' } };
    if (authorization === 'Bearer key') return { account: { username: 'viewer', role: 'reader' }, apiKey: { id: 1 } };
    throw new RollcallError('unauthorized', 'wrong user name or password');
  },
} as unknown as Credentials;

async function appServing(dir: string): Promise<FastifyInstance> {
  const app = Fastify();
  app.setErrorHandler(renderV1Error);
  await app.register(dashboard, { credentials, assetsDir: dir });
  await app.ready();
  return app;
}

const version = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

describe('dashboard plugin', () => {
  const dirs: string[] = [];
  let app: FastifyInstance;
  const js = 'console.log("app")\n';
  const css = 'body{color:red}\n';

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollcall-web-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'index.html'), '<link rel="stylesheet" href="{{app.css}}"><script type="module" src="{{app.js}}"></script>');
    writeFileSync(join(dir, 'app.js'), js);
    writeFileSync(join(dir, 'app.css'), css);
    app = await appServing(dir);
  });

  after(async () => {
    await app?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('the page names its assets by content hash and is revalidated on every load', async () => {
    const page = await app.inject({ method: 'GET', url: '/' });
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'; style-src 'self'/);
    assert.equal(
      page.body,
      `<link rel="stylesheet" href="/dashboard/app.css?v=${version(css)}"><script type="module" src="/dashboard/app.js?v=${version(js)}"></script>`,
    );
    const again = await app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': String(page.headers.etag) } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    // Browsers and proxies may send a list or a weak form of the tag: compared the weak way (RFC 9110).
    for (const field of [`"elsewhere", ${String(page.headers.etag)}`, `W/${String(page.headers.etag)}`]) {
      assert.equal((await app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': field } })).statusCode, 304, field);
    }
    assert.equal((await app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': '"elsewhere"' } })).statusCode, 200);
    const head = await app.inject({ method: 'HEAD', url: '/' });
    assert.equal(head.statusCode, 200);
  });

  test('assets are immutable under their current version and revalidated otherwise', async () => {
    const current = await app.inject({ method: 'GET', url: `/dashboard/app.js?v=${version(js)}` });
    assert.equal(current.statusCode, 200);
    assert.equal(current.body, js);
    assert.equal(current.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(current.headers['cache-control'], 'public, max-age=31536000, immutable');
    const style = await app.inject({ method: 'GET', url: `/dashboard/app.css?v=${version(css)}` });
    assert.equal(style.headers['content-type'], 'text/css; charset=utf-8');
    const stale = await app.inject({ method: 'GET', url: '/dashboard/app.js?v=000000000000' });
    assert.equal(stale.headers['cache-control'], 'no-cache');
    assert.equal((await app.inject({ method: 'GET', url: '/dashboard/index.html' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/dashboard/..%2Fpackage.json' })).statusCode, 404);
  });

  test('/dashboard/me says who the credentials are, and refuses none', async () => {
    const admin = await app.inject({ method: 'GET', url: '/dashboard/me', headers: { authorization: 'Basic admin' } });
    assert.deepEqual(admin.json(), { username: 'admin', role: 'admin', via: 'password' });
    assert.equal(admin.headers['cache-control'], 'no-store');
    const reader = await app.inject({ method: 'GET', url: '/dashboard/me', headers: { authorization: 'Bearer key' } });
    assert.deepEqual(reader.json(), { username: 'viewer', role: 'reader', via: 'apiKey' });
    const none = await app.inject({ method: 'GET', url: '/dashboard/me' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().error.code, 'unauthorized');
  });

  test('answers 503 with what to run when the page is not built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'rollcall-web-'));
    dirs.push(empty);
    const bare = await appServing(empty);
    try {
      const page = await bare.inject({ method: 'GET', url: '/' });
      assert.equal(page.statusCode, 503);
      assert.match(page.body, /npm run build:client/);
      assert.equal((await bare.inject({ method: 'GET', url: '/dashboard/app.js' })).statusCode, 404);
    } finally {
      await bare.close();
    }
  });
});
