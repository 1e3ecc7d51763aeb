// The dashboard in a real browser: Debian's Chromium driven by playwright-core, against a server
// started here, with sessions reported through the real ingest paths (HTTP with the ingest key, and
// WebSocket clients through the SDK). Every wait is on a condition with a deadline. The 20,000-session
// load check is dashboard-load.test.ts (a file of its own, for its own time budget).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { RollcallClient } from '@rollcall/client';
import type { OpenSessionBody } from '../../src/core/input-schemas.ts';
import { request } from '../helpers/http.ts';
import { closeSession, openSession } from '../helpers/ingest.ts';
import { TEST_ADMIN_PASSWORD, startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import {
  ROWS,
  WAIT_MS,
  buildDashboard,
  clickAndConfirm,
  launch,
  signIn,
  skipWithoutChromium,
  waitForRows,
  watchErrors,
} from './browser.ts';

const skip = skipWithoutChromium();
/** The promise: a row appears within a second of its session opening, and goes within a second of its end. */
const LIVE_MS = 1_000;

/**
 * Installs a watcher in the page that notes, by the browser's own clock (Date.now, the same clock as
 * the server's on this machine), the frame in which each session row first shows and the frame in
 * which it is gone. (A string, not a function: the test's transpiler would wrap a function in a helper
 * the page does not have.)
 */
const ROW_WATCHER = `(() => {
  if (window.__rowTimes) return;
  const times = (window.__rowTimes = { shown: {}, gone: {} });
  let previous = new Set();
  const tick = () => {
    const now = Date.now();
    const rows = document.querySelectorAll(${JSON.stringify(ROWS)});
    const current = new Set(Array.from(rows, (tr) => tr.dataset.id));
    for (const id of current) if (!previous.has(id) && !(id in times.shown)) times.shown[id] = now;
    for (const id of previous) if (!current.has(id)) times.gone[id] = now;
    previous = current;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})()`;

/** When (browser clock, ms) the row of session `id` was first shown, or went away. */
async function rowTime(page: Page, id: number, what: 'shown' | 'gone'): Promise<number> {
  const handle = await page.waitForFunction(
    ({ id, what }) => (window as unknown as { __rowTimes: Record<string, Record<string, number>> }).__rowTimes[what]![id],
    { id: String(id), what },
    { timeout: WAIT_MS },
  );
  return (await handle.jsonValue()) as number;
}

const body = (overrides: Partial<OpenSessionBody> & { user: OpenSessionBody['user'] }): OpenSessionBody => openBody(overrides);

describe('dashboard in a real browser', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const clients: RollcallClient[] = [];

  before(async () => {
    buildDashboard();
    server = await startTestServer({ historyFlushMs: 50, sessionTtl: 600, wsHeartbeatMs: 2_000 });
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    errors = watchErrors(page);
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await browser?.close();
    await server?.close();
  });

  test('serves the page and its assets with content types and caching headers', async () => {
    const html = await request(server.url, 'GET', '/');
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
    assert.equal(html.headers.get('cache-control'), 'no-cache');
    assert.match(html.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const script = /src="(\/dashboard\/app\.js\?v=[0-9a-f]+)"/.exec(html.text)?.[1];
    const style = /href="(\/dashboard\/app\.css\?v=[0-9a-f]+)"/.exec(html.text)?.[1];
    assert.ok(script && style, 'the page names its versioned assets');
    assert.doesNotMatch(html.text, /https?:\/\//, 'nothing comes from elsewhere');
    const js = await request(server.url, 'GET', script);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(js.headers.get('cache-control') ?? '', /immutable/);
    const css = await request(server.url, 'GET', style);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    const unversioned = await request(server.url, 'GET', '/dashboard/app.js');
    assert.equal(unversioned.headers.get('cache-control'), 'no-cache');
    const revalidated = await request(server.url, 'GET', '/', { headers: { 'if-none-match': html.headers.get('etag')! } });
    assert.equal(revalidated.status, 304);
    assert.equal((await request(server.url, 'GET', '/dashboard/nothing.js')).status, 404);
    assert.equal((await request(server.url, 'GET', '/dashboard/me')).status, 401);
  });

  test('refuses a wrong password, then signs in and keeps the credential in sessionStorage only', async () => {
    await signIn(page, server.url, 'not-the-password');
    await page.getByRole('alert').filter({ hasText: 'Wrong user name or password' }).waitFor({ timeout: WAIT_MS });
    await page.getByLabel('Password', { exact: true }).fill(TEST_ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Live sessions' }).waitFor({ timeout: WAIT_MS });
    await page.waitForSelector('.stream-status[data-status="open"]', { timeout: WAIT_MS });
    const storage = await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookies: document.cookie }));
    assert.deepEqual(storage, { local: 0, session: 1, cookies: '' });
    assert.match(await page.locator('.account').innerText(), /admin · admin/);
  });

  test('rows appear within a second of a session opening and go within a second of its end (HTTP and WebSocket)', async () => {
    await page.waitForSelector('.sessions-panel .vtable tr.empty', { timeout: WAIT_MS });
    await page.evaluate(ROW_WATCHER);
    // When the server opened and ended each session, by its own clock.
    const changedAt = new Map<string, number>();
    const unsubscribe = server.rollcall.presence.subscribe((change) => {
      if (change.type === 'session.started' || change.type === 'session.ended')
        changedAt.set(`${change.type} ${change.session.id}`, change.at);
    });
    const latency = async (id: number, change: 'session.started' | 'session.ended') =>
      (await rowTime(page, id, change === 'session.started' ? 'shown' : 'gone')) - changedAt.get(`${change} ${id}`)!;

    try {
      const httpId = await openSession(server, body({ user: { id: 'live-1', name: 'Hattie Http', type: 'staff' }, hostname: 'hattie-pc' }));
      const client = new RollcallClient({
        url: server.url,
        token: () => server.token({ sub: 'live-2', name: 'Wes Socket', utype: 'staff', ctypes: ['web'] }),
        session: { clientType: 'web', hostname: 'wes-laptop', view: { m: 'support', v: 'queue', t: 'team|general' } },
      });
      clients.push(client);
      await client.connect();
      const wsId = client.sessionId!;
      const shown = { http: await latency(httpId, 'session.started'), ws: await latency(wsId, 'session.started') };
      await waitForRows(page, [httpId, wsId]);
      assert.equal(await page.locator(`tr[data-id="${wsId}"] .col-user`).innerText(), 'Wes Socket');

      await closeSession(server, httpId);
      await client.close();
      const gone = { http: await latency(httpId, 'session.ended'), ws: await latency(wsId, 'session.ended') };
      await page.waitForSelector('.sessions-panel .vtable tr.empty', { timeout: WAIT_MS });

      console.log(
        `# live rows: HTTP open→row ${shown.http} ms, end→gone ${gone.http} ms; WebSocket open→row ${shown.ws} ms, close→gone ${gone.ws} ms`,
      );
      for (const [what, ms] of Object.entries({
        'HTTP shown': shown.http,
        'WebSocket shown': shown.ws,
        'HTTP gone': gone.http,
        'WebSocket gone': gone.ws,
      })) {
        assert.ok(ms >= 0 && ms <= LIVE_MS, `${what} ${ms} ms after the change`);
      }
    } finally {
      unsubscribe();
    }
  });

  // Sessions the remaining tests look at: every client type, three user types, one idle.
  const people: Record<string, number> = {};
  test('filters (client type, user type, state) and search narrow the table, live', async () => {
    people.rita = await openSession(
      server,
      body({
        user: { id: 'rita', name: 'Rita Rep', type: 'staff', username: 'rrep' },
        clientType: 'representative',
        hostname: 'rep-desk-1',
      }),
    );
    people.carl = await openSession(
      server,
      body({
        user: { id: 'carl', name: 'Carl Customer', type: 'customer' },
        clientType: 'support_customer',
        customer: { lsid: 'lsid-77' },
        hostname: 'carl-laptop',
      }),
    );
    people.wendy = await openSession(
      server,
      body({ user: { id: 'wendy', name: 'Wendy Web', type: 'staff' }, clientType: 'web', idle: true, hostname: 'wendy-mac' }),
    );
    people.jump = await openSession(
      server,
      body({ user: { id: 'jump', name: 'Jumpoint One', type: 'system' }, clientType: 'push_agent', hostname: 'jump-01' }),
    );
    people.pat = await openSession(
      server,
      body({ user: { id: 'pat', name: 'Pat Attendee', type: 'customer' }, clientType: 'presentation_attendee', hostname: 'pat-tablet' }),
    );
    const all = Object.values(people);
    await waitForRows(page, all);

    await page.getByLabel('Client type', { exact: true }).selectOption('representative');
    await waitForRows(page, [people.rita!]);
    assert.match(page.url(), /#\/sessions\?type=representative$/, 'the filter is in the address');
    // Live under a filter: a matching session appears, another type does not.
    const rita2 = await openSession(
      server,
      body({ user: { id: 'rita', name: 'Rita Rep', type: 'staff' }, clientType: 'representative', hostname: 'rep-desk-2' }),
    );
    const stranger = await openSession(server, body({ user: { id: 'sam', name: 'Sam Stranger', type: 'staff' }, clientType: 'web' }));
    await waitForRows(page, [people.rita!, rita2]);
    await page.waitForFunction(() => document.querySelector('#sessions-count')?.textContent?.startsWith('2 sessions match'), undefined, {
      timeout: WAIT_MS,
    });
    await closeSession(server, rita2);
    await closeSession(server, stranger);
    await waitForRows(page, [people.rita!]);

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await waitForRows(page, all);
    await page.waitForSelector('#filter-usertype option[value="customer"]', { state: 'attached', timeout: WAIT_MS });
    await page.getByLabel('User type', { exact: true }).selectOption('customer');
    await waitForRows(page, [people.carl!, people.pat!]);
    await page.getByLabel('State', { exact: true }).selectOption('idle');
    await waitForRows(page, []);
    await page.getByLabel('User type', { exact: true }).selectOption('');
    await waitForRows(page, [people.wendy!]);
    await page.getByLabel('State', { exact: true }).selectOption('active');
    await waitForRows(
      page,
      all.filter((id) => id !== people.wendy),
    );
    await page.getByRole('button', { name: 'Clear filters' }).click();

    // Search: by name (any case), by host name, by username.
    await page.getByLabel('Search', { exact: true }).fill('wENDY');
    await waitForRows(page, [people.wendy!]);
    await page.getByLabel('Search', { exact: true }).fill('jump-01');
    await waitForRows(page, [people.jump!]);
    await page.getByLabel('Search', { exact: true }).fill('rrep');
    await waitForRows(page, [people.rita!]);
    await page.getByLabel('Search', { exact: true }).fill('nobody-has-this');
    await page.getByText('No live session matches these filters.').waitFor({ timeout: WAIT_MS });
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await waitForRows(page, all);
  });

  test('counts per client type and per node, and a count filters when pressed', async () => {
    const countOf = (key: string) => page.locator(`.bar-button[data-key="${key}"] .bar-value`);
    for (const type of ['representative', 'support_customer', 'web', 'push_agent', 'presentation_attendee']) {
      await waitFor(async () => (await countOf(type).innerText()) === '1', { what: `the ${type} count`, timeoutMs: WAIT_MS });
    }
    const node = server.rollcall.presence.nodeId;
    await waitFor(async () => (await countOf(node).innerText()) === '5', { what: 'the node count', timeoutMs: WAIT_MS });
    await page.waitForFunction(() => document.querySelector('[data-stat="sessions"] .card-value')?.textContent === '5', undefined, {
      timeout: WAIT_MS,
    });
    await page.locator('.bar-button[data-key="web"]').click();
    await waitForRows(page, [people.wendy!]);
    assert.equal(await page.locator('.bar-button[data-key="web"]').getAttribute('aria-pressed'), 'true');
    await page.locator('.bar-button[data-key="web"]').click();
    await waitForRows(page, Object.values(people));
  });

  test('the chart of users online is inline SVG from the samples', async () => {
    const chart = page.locator('.chart-panel svg.chart');
    await chart.waitFor({ timeout: WAIT_MS });
    assert.match((await chart.getAttribute('aria-label')) ?? '', /^(Users online over the last hour: now \d+|No samples)/);
    await page.getByRole('button', { name: 'Last day' }).click();
    await page.waitForFunction(
      () => /last day/.test(document.querySelector('.chart-panel svg.chart')?.getAttribute('aria-label') ?? ''),
      undefined,
      { timeout: WAIT_MS },
    );
    await page.getByRole('button', { name: 'Last hour' }).click();
  });

  test('names and user agents from clients are shown as text, never run as markup', async () => {
    const hostile = '<img src=x onerror="window.__pwned=1">';
    const id = await openSession(
      server,
      body({ user: { id: 'evil', name: hostile, type: 'staff' }, hostname: '<b>host</b>', userAgent: '<script>window.__pwned=2</script>' }),
    );
    await page.waitForSelector(`tr[data-id="${id}"]`, { timeout: WAIT_MS });
    assert.equal(await page.locator(`tr[data-id="${id}"] .col-user`).innerText(), hostile);
    await page.locator(`tr[data-id="${id}"] .col-id a`).click();
    await page.getByRole('heading', { name: `Session ${id}` }).waitFor({ timeout: WAIT_MS });
    await page.getByText('<script>window.__pwned=2</script>').waitFor({ timeout: WAIT_MS });
    const injected = await page.evaluate(() => ({
      pwned: (window as unknown as { __pwned?: number }).__pwned,
      images: document.querySelectorAll('main img').length,
      bold: document.querySelectorAll('main b').length,
    }));
    assert.deepEqual(injected, { pwned: undefined, images: 0, bold: 0 });
    await closeSession(server, id);
    await page.getByText('This session has ended: the client closed it.').waitFor({ timeout: WAIT_MS });
    await page.getByRole('link', { name: '← Live sessions' }).click();
    await waitForRows(page, Object.values(people));
  });

  test("a user's detail shows their sessions with event logs, live (disconnect and resume)", async () => {
    const client = new RollcallClient({
      url: server.url,
      token: () => server.token({ sub: 'rita', name: 'Rita Rep', utype: 'staff', ctypes: ['web', 'representative'] }),
      session: { clientType: 'web', hostname: 'rita-browser' },
      backoff: { baseMs: 10, maxMs: 50, restartMs: 20 },
    });
    clients.push(client);
    await client.connect();
    const wsId = client.sessionId!;
    await page.waitForSelector(`tr[data-id="${wsId}"]`, { timeout: WAIT_MS });
    await page.locator(`tr[data-id="${people.rita}"] .col-user a`).click();
    await page.getByRole('heading', { name: 'Rita Rep', level: 2 }).waitFor({ timeout: WAIT_MS });
    await page.getByText('2 live sessions').waitFor({ timeout: WAIT_MS });
    const wsSection = page.locator(`.user-session[data-session-id="${wsId}"]`);
    await wsSection.locator('.event-log tr.event.connected').waitFor({ timeout: WAIT_MS });

    // Cut the socket on the server's side: the SDK resumes, and the log grows while we watch.
    const [socket] = [...server.rollcall.app.websocketServer.clients];
    assert.ok(socket, 'the client is connected');
    socket.terminate();
    await wsSection.locator('.event-log tr.event.resumed').waitFor({ timeout: WAIT_MS });
    const kinds = await wsSection.locator('.event-log tbody tr').evaluateAll((trs) => trs.map((tr) => tr.className.replace('event ', '')));
    assert.deepEqual(kinds, ['connected', 'disconnected', 'resumed']);
    assert.match(await wsSection.locator('.event-log').innerText(), /Connected to node/);

    await client.close();
    await page.getByText('1 live session', { exact: true }).waitFor({ timeout: WAIT_MS });
  });

  test('an admin ends a session from its detail; the table loses the row', async () => {
    await page.goto(`${server.url}/#/sessions/${people.pat}`);
    await page.getByRole('heading', { name: `Session ${people.pat}` }).waitFor({ timeout: WAIT_MS });
    await page.getByRole('heading', { name: 'Event log' }).waitFor({ timeout: WAIT_MS });
    await clickAndConfirm(page, page.getByRole('button', { name: 'End session' }));
    await page.getByText('This session has ended: an administrator ended it').waitFor({ timeout: WAIT_MS });
    assert.equal(await server.rollcall.presence.getSession(people.pat!), undefined);
    await page.getByRole('link', { name: 'Live sessions', exact: true }).click();
    const { pat: _ended, ...rest } = people;
    await waitForRows(page, Object.values(rest));
  });

  test('offline users are listed with when they were last seen', async () => {
    await closeSession(server, people.jump!);
    await page.getByRole('link', { name: 'Offline users' }).click();
    await page.getByRole('heading', { name: 'Offline users' }).waitFor({ timeout: WAIT_MS });
    const row = page.locator('.vtable tbody tr[data-id="jump"]');
    await row.waitFor({ timeout: WAIT_MS });
    assert.match(await row.innerText(), /Jumpoint One[\s\S]*system[\s\S]*(just now|\d+ s ago)/);
    // Pat went offline (ended by the admin) too; the search narrows the list.
    await page.locator('.vtable tbody tr[data-id="pat"]').waitFor({ timeout: WAIT_MS });
    await page.getByLabel('Search', { exact: true }).fill('jumpoint');
    await page.waitForFunction(() => document.querySelectorAll('.vtable tbody tr[data-id]').length === 1, undefined, { timeout: WAIT_MS });
  });

  test('a screenshot of the live page has real size', async () => {
    await page.getByRole('link', { name: 'Live sessions', exact: true }).click();
    await page.waitForSelector(ROWS, { timeout: WAIT_MS });
    await page.waitForSelector('.chart-panel svg.chart', { timeout: WAIT_MS });
    const png = await page.screenshot({ fullPage: true });
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    assert.ok(width >= 1200 && height >= 900, `screenshot is ${width}×${height}`);
    assert.ok(png.length > 30_000, `screenshot is ${png.length} bytes`);
    console.log(`# screenshot ${width}×${height}, ${png.length} bytes`);
  });

  test('when the stream drops, it reconnects with Last-Event-ID and catches up from the replay', async () => {
    await page.getByRole('link', { name: 'Live sessions', exact: true }).click();
    const { pat: _pat, jump: _jump, ...live } = people;
    await waitForRows(page, Object.values(live));
    const pageRequests: string[] = [];
    const onRequest = (r: { url(): string }) => {
      if (new URL(r.url()).pathname === '/v1/sessions') pageRequests.push(r.url());
    };
    page.on('request', onRequest);
    const reconnected = page.waitForRequest(
      (r) => new URL(r.url()).pathname === '/v1/events' && /^\d+$/.test(r.headers()['last-event-id'] ?? ''),
      { timeout: 20_000 },
    );
    // Every connection the server has is cut, the page's stream among them.
    server.rollcall.app.server.closeAllConnections();
    await page.waitForSelector('.stream-status[data-status="reconnecting"]', { timeout: WAIT_MS });
    // What happens while the page is cut off reaches it through the replay of what it missed.
    const whileAway = await openSession(server, body({ user: { id: 'away', name: 'Ada Away', type: 'staff' }, hostname: 'away-pc' }));
    await closeSession(server, people.wendy!);
    await reconnected;
    await page.waitForSelector('.stream-status[data-status="open"]', { timeout: WAIT_MS });
    const { wendy: _wendy, ...rest } = live;
    await waitForRows(page, [...Object.values(rest), whileAway]);
    page.off('request', onRequest);
    assert.deepEqual(pageRequests, [], 'caught up from the replay, without reloading the list');
    // Chromium logs the stream it lost; that one was cut on purpose.
    errors.splice(0, errors.length, ...errors.filter((e) => !e.includes('net::ERR_INCOMPLETE_CHUNKED_ENCODING')));
    await closeSession(server, whileAway);
    await waitForRows(page, Object.values(rest));
  });

  test('a reader signs in with an API key and is offered no admin action', async () => {
    const headers = { ...server.admin, 'content-type': 'application/json' };
    const account = await request(server.url, 'POST', '/v1/accounts', {
      headers,
      body: { username: 'viewer', role: 'reader', password: 'viewer-password-0123' },
    });
    assert.equal(account.status, 201, account.text);
    const key = await request(server.url, 'POST', '/v1/keys', { headers, body: { kind: 'api', account: 'viewer' } });
    assert.equal(key.status, 201, key.text);
    const reader = await browser.newPage();
    try {
      await reader.goto(server.url);
      await reader.getByText('Use an API key instead').click();
      await reader.getByLabel('API key').fill(key.json.key as string);
      await reader.getByRole('button', { name: 'Sign in' }).click();
      await reader.locator('.account').filter({ hasText: 'viewer · reader' }).waitFor({ timeout: WAIT_MS });
      await reader.waitForSelector(`tr[data-id="${people.carl}"]`, { timeout: WAIT_MS });
      await reader.locator(`tr[data-id="${people.carl}"] .col-id a`).click();
      await reader.getByRole('heading', { name: 'Event log' }).waitFor({ timeout: WAIT_MS });
      assert.equal(await reader.getByRole('button', { name: 'End session' }).count(), 0);
    } finally {
      await reader.close();
    }
  });

  test('signing out forgets the credential', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: WAIT_MS });
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: WAIT_MS });
    assert.deepEqual(errors, [], 'the page logged no errors');
  });
});
