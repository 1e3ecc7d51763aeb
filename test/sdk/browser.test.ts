// The SDK's browser build in a real Chromium (Debian's /usr/bin/chromium driven by playwright-core),
// against a real server: connect, report a view, go idle after no input, come back on input, close.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { skipUnlessInstalled } from '../helpers/requirements.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';

const CHROMIUM = '/usr/bin/chromium';
/** Two browsers share CI's two cores with other test files: give each condition room, never a sleep. */
const BROWSER_DEADLINE_MS = 20_000;
const skip = skipUnlessInstalled(CHROMIUM, 'chromium');
const bundlePath = join(import.meta.dirname, '../../dist/client/rollcall-client.browser.js');

describe('SDK in a real browser', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    server = await startTestServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage();
    await page.goto(`${server.url}/healthz`);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('connects, reports view and idleness, and closes', async () => {
    const bundle = readFileSync(bundlePath, 'utf8');
    const token = await server.token({ sub: 'browser-user', name: 'Bea Browser', utype: 'staff' });
    const sessionId = await page.evaluate(
      async ({ bundle, url, token }) => {
        const moduleUrl = URL.createObjectURL(new Blob([bundle], { type: 'text/javascript' }));
        const { RollcallClient } = await import(moduleUrl);
        const client = new RollcallClient({ url, token, session: { clientType: 'web' }, idleAfterMs: 300 });
        (window as unknown as { rollcall: unknown }).rollcall = client;
        await client.connect();
        client.setView({ m: 'support', v: 'getticket', t: 'ticketid|42' });
        return client.sessionId as number;
      },
      { bundle, url: server.url, token },
    );
    const live = () => server.rollcall.presence.getSession(sessionId);
    const session = await waitFor(async () => {
      const s = await live();
      return s?.view?.t === 'ticketid|42' ? s : undefined;
    }, { timeoutMs: BROWSER_DEADLINE_MS, what: 'the view to arrive' });
    assert.equal(session.user.name, 'Bea Browser');
    assert.match(session.userAgent ?? '', /Chrome\//, 'the SDK reports the browser user agent');
    assert.equal(session.transport, 'websocket');

    await waitFor(async () => (await live())?.idle === true, { timeoutMs: BROWSER_DEADLINE_MS, what: 'idle after no input' });
    await page.mouse.move(10, 10);
    await page.mouse.move(40, 40);
    await waitFor(async () => (await live())?.idle === false, { timeoutMs: BROWSER_DEADLINE_MS, what: 'active again after input' });

    await page.evaluate(() => (window as unknown as { rollcall: { close(): Promise<void> } }).rollcall.close());
    await waitFor(async () => !(await live()), { timeoutMs: BROWSER_DEADLINE_MS, what: 'the session to end' });
    const user = await server.rollcall.presence.user('browser-user');
    assert.equal(user?.online, false);
  });
});
