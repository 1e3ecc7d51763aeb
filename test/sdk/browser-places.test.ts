// Watching a place from the SDK's browser build in real Chromium pages (Debian's /usr/bin/chromium
// driven by playwright-core), against a real server. Each page is a person's tab: its session is in
// `ticket:105792` and it watches that place, and the test reads what each page's watch reports.
// - Two people see each other join; a second tab of one of them is no news to anyone; an update (idle)
//   is an update; closing a page is a leave for the others once that person's last tab is gone (the
//   socket closes, the session ends after the resume grace).
// - A socket dropped by the network (the page's context offline, its connection reset) comes back,
//   resumes its session, and its watch fires only what changed meanwhile: nobody who stayed joins again.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { PlaceWatch, RollcallClient } from '../../packages/client/src/index.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { SDK_BUNDLE, buildBrowserCode, launch, skipWithoutChromium, watchErrors } from '../web/browser.ts';

const PLACE = 'ticket:105792';
/** How long a closed page's session waits for a resume; short, so a leave comes soon. */
const GRACE_MS = 1_500;
/** Browsers share CI's two cores with other test files: give each condition room, never a sleep. */
const DEADLINE_MS = 20_000;

/** What a page keeps of its client, set up by `openTab`. */
interface PageState {
  client: RollcallClient;
  watch: PlaceWatch;
  /** `join ana`, `update ben`, `leave cy`, in the order the watch fired them. */
  events: string[];
  resumed: number;
}
type WithState = Window & { presence: PageState };

/** What a page's watch reports: members as `ana` (one session) or `ana×2`, `ana(idle)`; its events. */
interface Seen {
  members: string[];
  events: string[];
  state: string;
  sessionId: number | undefined;
  resumed: number;
}

describe('place watches in a real browser', { skip: skipWithoutChromium() }, () => {
  let server: TestServer;
  let browser: Browser;
  let bundle: string;
  /** What each page threw or logged as an error. */
  const errors = new Map<Page, string[]>();
  const errorsBut = (...pages: (Page | undefined)[]) => [...errors].flatMap(([page, list]) => (pages.includes(page) ? [] : list));

  before(async () => {
    buildBrowserCode('client');
    bundle = readFileSync(SDK_BUNDLE, 'utf8');
    server = await startTestServer({ wsResumeGraceMs: GRACE_MS, sweepIntervalMs: 50 });
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /**
   * A tab of `user` in `context` (one context per person: a second tab of the same person shares it):
   * its session joins PLACE and watches it, on `target` (the suite's server unless said otherwise);
   * `via` is where the SDK connects (a proxy, to drop it).
   */
  async function openTab(
    context: BrowserContext,
    user: string,
    { target = server, via = target.url }: { target?: TestServer; via?: string } = {},
  ): Promise<Page> {
    const page = await context.newPage();
    errors.set(page, watchErrors(page));
    await page.goto(`${target.url}/healthz`);
    const token = await target.token({ sub: user, name: user.toUpperCase(), utype: 'staff', places: ['ticket:*'] });
    await page.evaluate(
      async ({ bundle, url, token, place }) => {
        const moduleUrl = URL.createObjectURL(new Blob([bundle], { type: 'text/javascript' }));
        const sdk = (await import(moduleUrl)) as typeof import('../../packages/client/src/index.ts');
        const client = new sdk.RollcallClient({
          url,
          token,
          // Idle is set by the test, not by the headless page's visibility or input.
          idleDetection: false,
          backoff: { baseMs: 50, maxMs: 250, restartMs: 50 },
          session: { clientType: 'web', places: [place] },
        });
        const watch = client.watch(place);
        const state: PageState = { client, watch, events: [], resumed: 0 };
        for (const event of ['join', 'update', 'leave'] as const)
          watch.on(event, (member) => state.events.push(`${event} ${member.user.id}`));
        client.on('resumed', () => state.resumed++);
        (window as unknown as WithState).presence = state;
        await client.connect();
      },
      { bundle, url: via, token, place: PLACE },
    );
    return page;
  }

  const seen = (page: Page): Promise<Seen> =>
    page.evaluate(() => {
      const { client, watch, events, resumed } = (window as unknown as WithState).presence;
      const members = watch.members().map((m) => {
        const tabs = m.sessions.length > 1 ? `×${m.sessions.length}` : '';
        return `${m.user.id}${tabs}${m.sessions.every((s) => s.idle) ? '(idle)' : ''}`;
      });
      return { members, events: [...events], state: client.state, sessionId: client.sessionId, resumed };
    });

  /** Waits until the page's watch shows exactly these members (in order of arrival). */
  async function members(page: Page, expected: string[], what: string): Promise<Seen> {
    let last: Seen | undefined;
    try {
      return await waitFor(
        async () => {
          last = await seen(page);
          return last.members.join() === expected.join() ? last : undefined;
        },
        { timeoutMs: DEADLINE_MS, what },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}: the page shows [${last?.members.join()}], expected [${expected.join()}]`);
    }
  }

  const run = (page: Page, action: 'close' | 'idle') =>
    page.evaluate(async (action) => {
      const { client } = (window as unknown as WithState).presence;
      if (action === 'idle') client.setIdle(true);
      else await client.close();
    }, action);

  test('two people see each other join; a second tab fires nothing; the last tab closing is a leave', async () => {
    const anaContext = await browser.newContext();
    const benContext = await browser.newContext();
    try {
      const ana = await openTab(anaContext, 'ana');
      await members(ana, ['ana'], 'ana in the place');
      const ben = await openTab(benContext, 'ben');
      await members(ana, ['ana', 'ben'], 'ana to see ben come');
      await members(ben, ['ana', 'ben'], 'ben to see ana there');
      // The members a watch starts with arrive as joins; after that, a join is someone coming.
      assert.deepEqual((await seen(ana)).events, ['join ana', 'join ben']);
      assert.deepEqual((await seen(ben)).events, ['join ana', 'join ben']);

      // Ana opens a second tab: one member with two sessions, and no join anywhere.
      const ana2 = await openTab(anaContext, 'ana');
      await members(ben, ['ana×2', 'ben'], 'ben to see ana’s second tab');
      await members(ana, ['ana×2', 'ben'], 'ana to see her second tab');
      const ana2Seen = await members(ana2, ['ana×2', 'ben'], 'the second tab to see everyone');
      assert.deepEqual(ana2Seen.events, ['join ana', 'join ben'], 'the new tab starts from the members, as any watch');
      assert.deepEqual((await seen(ben)).events, ['join ana', 'join ben'], 'a second tab is no join');
      assert.deepEqual((await seen(ana)).events, ['join ana', 'join ben']);

      // Ben goes idle: an update, not a leave and a join.
      await run(ben, 'idle');
      await members(ana, ['ana×2', 'ben(idle)'], 'ana to see ben idle');
      await members(ana2, ['ana×2', 'ben(idle)'], 'ana’s second tab to see ben idle');
      assert.deepEqual((await seen(ana)).events, ['join ana', 'join ben', 'update ben']);

      // Ana closes her second tab: its socket closes, its session ends after the grace; she stays.
      await ana2.close();
      await members(ben, ['ana', 'ben(idle)'], 'ben to see ana down to one tab');
      assert.deepEqual((await seen(ben)).events, ['join ana', 'join ben', 'update ben'], 'one of two tabs going is no leave');

      // Ana closes her last tab: now she leaves, once.
      await ana.close();
      await members(ben, ['ben(idle)'], 'ben to see ana leave');
      assert.deepEqual((await seen(ben)).events, ['join ana', 'join ben', 'update ben', 'leave ana']);
      assert.equal(await server.rollcall.presence.user('ana').then((u) => u?.online), false);
      await run(ben, 'close');
    } finally {
      await anaContext.close();
      await benContext.close();
    }
    assert.deepEqual(errorsBut(), []);
  });

  test('a dropped socket resumes, and its watch fires only what changed meanwhile', async () => {
    const contexts = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
    const [kimContext, leeContext, maxContext] = contexts;
    // A server of its own, whose sessions wait for a resume far longer than all the test does while max
    // is away: with the suite's 1.5 s, a loaded CI machine let max's session end before he came back,
    // and his client rightly opened a new one.
    const patient = await startTestServer({ wsResumeGraceMs: 60_000, sweepIntervalMs: 50 });
    let proxy: TcpProxy | undefined;
    /** Max's page, once open: its errors are expected ones. */
    let maxPage: Page | undefined;
    try {
      proxy = await startTcpProxy(Number(new URL(patient.url).port));
      const kim = await openTab(kimContext!, 'kim', { target: patient });
      const lee = await openTab(leeContext!, 'lee', { target: patient });
      // Max reaches the server through the proxy, so the test can cut his connection as a network would.
      const max = await openTab(maxContext!, 'max', { target: patient, via: proxy.url });
      maxPage = max;
      const before = await members(max, ['kim', 'lee', 'max'], 'max to see everyone');
      assert.deepEqual(before.events, ['join kim', 'join lee', 'join max']);
      await members(kim, ['kim', 'lee', 'max'], 'kim to see max come');

      // Max's network goes: no new connection can open, and the open one is reset.
      await maxContext!.setOffline(true);
      proxy.cut();
      await waitFor(async () => (await seen(max)).state === 'reconnecting', { timeoutMs: DEADLINE_MS, what: 'max’s client to notice' });
      await waitFor(async () => (await patient.rollcall.presence.getSession(before.sessionId!))?.detached, {
        timeoutMs: DEADLINE_MS,
        what: 'the server to hold max’s session for a resume',
      });

      // Meanwhile: lee leaves, nat comes (over HTTP, with the ingest key), kim goes idle. Max hears none of it.
      await run(lee, 'close');
      const nat = await fetch(`${patient.url}/v1/sessions`, {
        method: 'POST',
        headers: patient.ingest,
        body: JSON.stringify({ user: { id: 'nat', name: 'NAT', type: 'staff' }, clientType: 'web', places: [PLACE] }),
      });
      assert.equal(nat.status, 201);
      await run(kim, 'idle');
      await members(kim, ['kim(idle)', 'max', 'nat'], 'kim to see the changes');
      assert.deepEqual((await seen(max)).events, before.events, 'max heard nothing while offline');

      // Back online: the same session resumes, the watch gets the members again and fires the difference.
      await maxContext!.setOffline(false);
      const after = await members(max, ['kim(idle)', 'max', 'nat'], 'max to catch up');
      assert.equal(after.sessionId, before.sessionId, 'the session resumed');
      assert.equal(after.resumed, 1);
      assert.deepEqual(
        after.events.slice(before.events.length),
        ['leave lee', 'update kim', 'join nat'],
        'no join for kim, nor for max himself',
      );
      // Nobody saw max go: his session waited for him.
      assert.deepEqual((await seen(kim)).events, ['join kim', 'join lee', 'join max', 'leave lee', 'join nat', 'update kim']);
      await run(max, 'close');
      await run(kim, 'close');
    } finally {
      await proxy?.close();
      await Promise.all(contexts.map((context) => context.close()));
      await patient.close();
    }
    // Max's page logs the connections that failed while it was offline; nothing else may.
    assert.deepEqual(errorsBut(maxPage), []);
  });
});
