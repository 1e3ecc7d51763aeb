// The demo's ticket page in real Chromium (Debian's /usr/bin/chromium driven by playwright-core), on a
// real demo run: the page lists who is on ticket 105792 as the server knows it, simulated agents and
// itself, and follows them coming and going; a second page sees the first and the first sees it go;
// two tabs of one named person are one member. The token endpoint signs web tokens for tickets only,
// and the normal server has none of these routes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { verifyClientToken } from '../../src/auth/client-tokens.ts';
import { grantsPlace } from '../../src/core/places.ts';
import { loadConfig } from '../../src/config/load.ts';
import { DEMO_TICKET } from '../../src/demo/catalog.ts';
import { runDemo, type RunningDemo } from '../../src/demo/run-demo.ts';
import { startTestServer, waitFor } from '../helpers/server.ts';
import { buildBrowserCode, launch, skipWithoutChromium, watchErrors } from '../web/browser.ts';
import { Capture } from './capture.ts';

const PLACE = `ticket:${DEMO_TICKET}`;
/** Browsers and a simulated crowd share CI's two cores: give each condition room, never a sleep. */
const DEADLINE_MS = 30_000;
/** The page's members: `[data-user]` items, in order. */
const MEMBERS = '#members [data-user]';

describe('the demo’s ticket page', { skip: skipWithoutChromium() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-demo-page-test-'));
  const controller = new AbortController();
  const out = new Capture();
  let running: Promise<void> | undefined;
  let demo: RunningDemo;
  let browser: Browser;

  before(async () => {
    buildBrowserCode('client', 'demo');
    // A closed page's session ends soon after its socket closes, so a leave shows without a long wait.
    const config = loadConfig({
      flags: { port: 0, host: '127.0.0.1', dataDir: dir, logLevel: 'silent', wsResumeGraceMs: 500, sweepIntervalMs: 50 },
    });
    let ready: RunningDemo | undefined;
    running = runDemo(config, {
      users: 30,
      seed: 105_792,
      speed: 20,
      out,
      signal: controller.signal,
      statusIntervalMs: 60_000,
      onReady: (d) => (ready = d),
    });
    running.catch(() => {});
    demo = await waitFor(() => ready, { what: 'the demo to start', timeoutMs: DEADLINE_MS });
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    controller.abort();
    await running;
    rmSync(dir, { recursive: true, force: true });
  });

  /** A page of its own (a fresh context: another person, unless `?as=` names one) on `path`. */
  async function open(path = demo.ticketPage, context?: BrowserContext): Promise<{ page: Page; errors: string[] }> {
    const page = await (context ?? (await browser.newContext())).newPage();
    const errors = watchErrors(page);
    await page.goto(path);
    await page.waitForSelector('#status[data-state="open"]', { timeout: DEADLINE_MS });
    return { page, errors };
  }

  const shown = (page: Page) => page.$$eval(MEMBERS, (items) => items.map((item) => (item as HTMLElement).dataset.user!));
  /** The page's own user: the member it marks "(you)". */
  const ownId = (page: Page) =>
    page.$$eval(
      MEMBERS,
      (items) => items.find((item) => item.querySelector('.name')?.textContent?.endsWith('(you)'))?.getAttribute('data-user') ?? undefined,
    );
  /** Who the server has in the place, by user id. */
  const inPlace = async () => [...new Set((await demo.rollcall.presence.listSessions({ place: PLACE })).map((s) => s.user.id))].sort();
  const isVisitor = (id: string) => id.startsWith('visitor-');

  test('says where it is, and lists the simulated agents on the ticket and itself, as the server has them, live', async () => {
    assert.ok(out.text.includes(`demo: who is on ticket ${DEMO_TICKET}, live, with the simulated agents: ${demo.ticketPage}\n`), out.text);
    assert.match(demo.ticketPage, /^http:\/\/127\.0\.0\.1:\d+\/demo\/ticket\/105792$/);
    const { page, errors } = await open();
    try {
      const me = await waitFor(() => ownId(page), { timeoutMs: DEADLINE_MS, what: 'the page to list itself' });
      assert.ok(isVisitor(me));
      // Agents open the ticket now and then: the page lists one beside itself, and agrees with the server.
      await waitFor(
        async () => {
          const listed = await shown(page);
          return listed.includes(me) && listed.some((id) => !isVisitor(id)) && listed.slice().sort().join() === (await inPlace()).join();
        },
        { timeoutMs: DEADLINE_MS, what: 'the page to list a simulated agent, as the server has them' },
      );
      const agent = (await shown(page)).find((id) => !isVisitor(id))!;
      const user = demo.population.users.find((u) => u.id === agent);
      assert.ok(user, 'a simulated user');
      const item = page.locator(`${MEMBERS}[data-user="${agent}"]`);
      const text = (await item.textContent()) ?? '';
      assert.ok(text.includes(user.publicDisplayName ?? user.name), text);
      assert.match(text, /Web · (active|idle) · (\d+ sessions · )?online for \d+ (s|min)/);
      assert.match((await item.getAttribute('data-idle')) ?? '', /^(true|false)$/);

      // They come and go, live: the log has agents opening the ticket and leaving it.
      await waitFor(
        async () => {
          const lines = await page.$$eval('#log li', (items) => items.map((li) => li.textContent ?? ''));
          return lines.some((line) => / left$/.test(line)) && lines.filter((line) => / opened the ticket$/.test(line)).length >= 2;
        },
        { timeoutMs: DEADLINE_MS, what: 'agents coming and going in the log' },
      );
      assert.deepEqual(errors, []);
    } finally {
      await page.context().close();
    }
  });

  test('a second page sees the first, the first sees it come and go; two tabs of one name are one member', async () => {
    const first = await open();
    const second = await open();
    try {
      const firstId = await waitFor(() => ownId(first.page), { timeoutMs: DEADLINE_MS, what: 'the first page to list itself' });
      const secondId = await waitFor(() => ownId(second.page), { timeoutMs: DEADLINE_MS, what: 'the second page to list itself' });
      assert.notEqual(firstId, secondId, 'each tab is a guest of its own');
      await waitFor(async () => (await shown(second.page)).includes(firstId), {
        timeoutMs: DEADLINE_MS,
        what: 'the second page to list the first',
      });
      await waitFor(async () => (await shown(first.page)).includes(secondId), {
        timeoutMs: DEADLINE_MS,
        what: 'the first page to list the second',
      });

      // Kim in two tabs (one browser): one member with two sessions, one join in the log.
      const kimContext = await browser.newContext();
      const kim = await open(`${demo.ticketPage}?as=Kim%20Lee`, kimContext);
      const kimId = await waitFor(() => ownId(kim.page), { timeoutMs: DEADLINE_MS, what: 'kim’s page to list her' });
      const kim2 = await open(`${demo.ticketPage}?as=Kim%20Lee`, kimContext);
      const kimItem = first.page.locator(`${MEMBERS}[data-user="${kimId}"]`);
      await waitFor(async () => /Kim Lee.*2 sessions/.test((await kimItem.textContent()) ?? ''), {
        timeoutMs: DEADLINE_MS,
        what: 'kim’s two tabs as one member',
      });
      assert.equal(await first.page.locator('#log li', { hasText: /Kim Lee opened the ticket$/ }).count(), 1, 'one join for two tabs');
      assert.equal(await kim2.page.locator(`${MEMBERS}[data-user="${kimId}"]`).count(), 1);

      // The second page closes: its socket closes, its session ends after the grace, and it leaves.
      await second.page.context().close();
      await waitFor(async () => !(await shown(first.page)).includes(secondId), {
        timeoutMs: DEADLINE_MS,
        what: 'the first page to see the second go',
      });
      await kimContext.close();
      await waitFor(async () => !(await shown(first.page)).includes(kimId), {
        timeoutMs: DEADLINE_MS,
        what: 'kim to go with her last tab',
      });
      assert.deepEqual([...first.errors, ...second.errors, ...kim.errors, ...kim2.errors], []);
    } finally {
      await first.page.context().close();
      await second.page.context().close();
    }
  });

  test('its tokens are web tokens for tickets only; the normal server has no demo routes', async () => {
    const answer = await fetch(`${demo.url}/demo/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'abc123', name: 'Guest 1' }),
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    const { token, userId } = (await answer.json()) as { token: string; userId: string };
    assert.equal(userId, 'visitor-abc123');
    const verified = await verifyClientToken(demo.rollcall.dataDir.tokenSecret, token);
    assert.equal(verified.userId, 'visitor-abc123');
    assert.deepEqual(verified.clientTypes, ['web']);
    assert.ok(grantsPlace(verified.places, PLACE));
    assert.ok(!grantsPlace(verified.places, 'doc:42'));
    for (const body of [
      { id: 'a b', name: 'x' },
      { id: 'ok', name: '' },
      { id: 'ok', name: 'x', sub: 'admin' },
    ]) {
      const refused = await fetch(`${demo.url}/demo/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(refused.status, 400, JSON.stringify(body));
    }
    const start = await fetch(`${demo.url}/demo`, { redirect: 'manual' });
    assert.equal(start.headers.get('location'), `/demo/ticket/${DEMO_TICKET}`);
    const page = await fetch(demo.ticketPage);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal((await fetch(`${demo.url}/demo/assets/nothing.js`)).status, 404);

    const server = await startTestServer();
    try {
      for (const [method, path] of [
        ['GET', `/demo/ticket/${DEMO_TICKET}`],
        ['POST', '/demo/token'],
        ['GET', '/demo/assets/ticket.js'],
      ] as const) {
        const answer = await fetch(`${server.url}${path}`, {
          method,
          headers: { 'content-type': 'application/json' },
          ...(method === 'POST' && { body: '{"id":"a","name":"b"}' }),
        });
        assert.equal(answer.status, 404, `${method} ${path}`);
      }
    } finally {
      await server.close();
    }
  });
});
