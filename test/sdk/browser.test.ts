// The SDK's browser build in a real Chromium (Debian's /usr/bin/chromium driven by playwright-core),
// against a real server: connect, report a view, go idle after no input, come back on input, close.
// Client hints: the browser's own arrive with the hello, and the server names the OS and browser from
// them, also for a Chrome on Windows 11 that DevTools makes this Chromium claim to be.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { skipUnlessInstalled } from '../helpers/requirements.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { SDK_BUNDLE, buildBrowserCode } from '../web/browser.ts';

const CHROMIUM = '/usr/bin/chromium';
/** Two browsers share CI's two cores with other test files: give each condition room, never a sleep. */
const BROWSER_DEADLINE_MS = 20_000;
const skip = skipUnlessInstalled(CHROMIUM, 'chromium');

describe('SDK in a real browser', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    buildBrowserCode('client'); // the bundle of this checkout's source, never a stale one
    server = await startTestServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage();
    await page.goto(`${server.url}/healthz`);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Opens a session from a fresh page with the browser build; answers its id once welcomed. */
  async function connectFrom(target: Page, user: string): Promise<number> {
    const bundle = readFileSync(SDK_BUNDLE, 'utf8');
    const token = await server.token({ sub: user, name: user, utype: 'staff' });
    return target.evaluate(
      async ({ bundle, url, token }) => {
        const moduleUrl = URL.createObjectURL(new Blob([bundle], { type: 'text/javascript' }));
        const { RollcallClient } = await import(moduleUrl);
        const client = new RollcallClient({ url, token });
        await client.connect();
        return client.sessionId as number;
      },
      { bundle, url: server.url, token },
    );
  }

  test('reports the browser’s client hints, and the server names the browser and OS from them', async () => {
    const hinted = await browser.newPage();
    try {
      await hinted.goto(`${server.url}/healthz`);
      // What this Chromium says of itself, asked the way the SDK asks.
      const own = await hinted.evaluate(async () => {
        const data = (navigator as unknown as { userAgentData: { getHighEntropyValues(h: string[]): Promise<Record<string, unknown>> } })
          .userAgentData;
        return data.getHighEntropyValues(['platformVersion', 'fullVersionList', 'model']);
      });
      const id = await connectFrom(hinted, 'hinted-user');
      const session = await server.rollcall.presence.getSession(id);
      assert.deepStrictEqual(session?.clientHints, {
        platform: own.platform,
        platformVersion: own.platformVersion,
        fullVersionList: own.fullVersionList,
        model: own.model,
      });
      const brands = own.fullVersionList as { brand: string; version: string }[];
      const engine = brands.find((b) => b.brand === 'Chromium')!;
      assert.match(engine.version, /^\d+\.\d+\.\d+\.\d+$/);
      assert.match(session?.userAgent ?? '', /Chrome\/\d+\.0\.0\.0/, 'the agent says only the major version');
      // The full version comes from the brand list: Debian's Chromium names no brand of its own, so it is not Google Chrome.
      const ownBrand = brands.find((b) => !/not.a.brand/i.test(b.brand) && b.brand !== 'Chromium');
      assert.equal(session?.agent?.browser, ownBrand ? ownBrand.brand : 'Chromium');
      assert.equal(session?.agent?.version, (ownBrand ?? engine).version);
      assert.equal(session?.agent?.os, 'Linux');
    } finally {
      await hinted.close();
    }
  });

  test('names Windows 11 and the full Chrome version where the agent says "Windows NT 10.0" and 138.0.0.0', async () => {
    const windows = await browser.newPage();
    try {
      // DevTools makes this Chromium report what Chrome 138 on Windows 11 reports, through the real API.
      const cdp = await windows.context().newCDPSession(windows);
      const brands = [
        { brand: 'Not)A;Brand', version: '8.0.0.0' },
        { brand: 'Chromium', version: '138.0.7204.50' },
        { brand: 'Google Chrome', version: '138.0.7204.50' },
      ];
      await cdp.send('Emulation.setUserAgentOverride', {
        userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36',
        userAgentMetadata: {
          brands: brands.map((b) => ({ ...b, version: b.version.split('.')[0]! })),
          fullVersionList: brands,
          platform: 'Windows',
          platformVersion: '19.0.0',
          architecture: 'x86',
          bitness: '64',
          model: '',
          mobile: false,
        },
      });
      await windows.goto(`${server.url}/healthz`);
      const id = await connectFrom(windows, 'windows-user');
      const session = await server.rollcall.presence.getSession(id);
      assert.match(session?.userAgent ?? '', /Windows NT 10\.0/);
      assert.deepStrictEqual(session?.agent, {
        browser: 'Chrome',
        version: '138.0.7204.50',
        majorVersion: 138,
        os: 'Windows',
        osVersion: '11',
      });
      const answer = await fetch(`${server.url}/v1/sessions/${id}`, { headers: server.admin });
      const json = (await answer.json()) as { agent: unknown; clientHints: unknown };
      assert.deepStrictEqual(json.agent, session?.agent, 'the API shows it');
      assert.deepStrictEqual(json.clientHints, { platform: 'Windows', platformVersion: '19.0.0', fullVersionList: brands, model: '' });
    } finally {
      await windows.close();
    }
  });

  test('connects, reports view and idleness, and closes', async () => {
    const bundle = readFileSync(SDK_BUNDLE, 'utf8');
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
    const session = await waitFor(
      async () => {
        const s = await live();
        return s?.view?.t === 'ticketid|42' ? s : undefined;
      },
      { timeoutMs: BROWSER_DEADLINE_MS, what: 'the view to arrive' },
    );
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
