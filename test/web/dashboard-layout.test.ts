// Every page of the dashboard at 1280×800, 390×844 and 360×740, in Debian's Chromium, against a server
// fed through the real ingest: measured with the browser's own layout, nothing scrolls sideways, the
// header is one line that fits, and every visible table cell shows its first characters. The chart's
// labels keep a readable size, its live point is the count the cards show, and its tooltip opens inside
// the chart. On a phone the sessions are cards that follow the stream. Each page's screenshot at each
// size is saved under test-artifacts/dashboard/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { closeSession, openSession } from '../helpers/ingest.ts';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { startReceiver, type Receiver } from '../webhooks/receiver.ts';
import { ROWS, WAIT_MS, buildDashboard, launch, signIn, skipWithoutChromium, watchErrors } from './browser.ts';
import { adminObjects, openVariedSessions, userWithHistory } from './dashboard-fixture.ts';
import { VIEWPORTS, assertLayout, measureLayout, saveScreenshot } from './layout.ts';

const skip = skipWithoutChromium();

interface PageCase {
  name: string;
  hash: string;
  /** A selector that shows the page has its content. */
  ready: string;
  /** Table cells the page must have checked (its table is there). */
  minCells: number;
}

describe('dashboard layout at desktop and phone sizes', { skip }, () => {
  let server: TestServer;
  let receiver: Receiver;
  let browser: Browser;
  let live: number[] = [];
  let webhookId: number;
  const screenshots: string[] = [];

  before(async () => {
    buildDashboard();
    server = await startTestServer({ historyFlushMs: 50, sessionTtl: 600 });
    receiver = await startReceiver();
    live = await openVariedSessions(server, 30);
    await userWithHistory(server, 'hist', 'Hestia Historian-Longname', 3);
    // Someone who went offline, for the offline users' page.
    await closeSession(server, await openSession(server, openBody({ user: { id: 'gone', name: 'Gonzalo Gone', type: 'customer' } })));
    ({ webhookId } = await adminObjects(server, receiver));
    // A delivery to list: the subscription takes session.started.
    await closeSession(server, await openSession(server, openBody({ user: { id: 'hook', name: 'Hook Trigger', type: 'staff' } })));
    await waitFor(() => receiver.received.length >= 2, { what: 'two webhook deliveries', timeoutMs: 15_000 });
    browser = await launch();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await receiver?.close();
    if (screenshots.length > 0) console.log(`# ${screenshots.length} screenshots in test-artifacts/dashboard/`);
  });

  const pages = (): PageCase[] => [
    { name: 'sessions', hash: '#/sessions', ready: `${ROWS} .col-user a`, minCells: 30 },
    { name: 'session', hash: `#/sessions/${live[4]}`, ready: '.event-log tr.event', minCells: 2 },
    { name: 'user-history', hash: '#/users/hist', ready: '.history-panel tbody tr[data-id]', minCells: 10 },
    { name: 'offline', hash: '#/offline', ready: '.vtable tbody tr[data-id="gone"]', minCells: 2 },
    { name: 'nodes', hash: '#/nodes', ready: 'table.nodes tbody tr[data-id]', minCells: 5 },
    { name: 'events', hash: '#/events', ready: '#event-list li.event', minCells: 0 },
    { name: 'accounts', hash: '#/admin/accounts', ready: 'table.accounts tbody tr[data-id="viewer"]', minCells: 6 },
    { name: 'keys', hash: '#/admin/keys', ready: 'table.keys tbody tr[data-id]', minCells: 5 },
    { name: 'oauth-clients', hash: '#/admin/oauth-clients', ready: 'table.oauth-clients tbody tr[data-id]', minCells: 4 },
    { name: 'webhooks', hash: '#/admin/webhooks', ready: 'table.webhooks tbody tr[data-id]', minCells: 4 },
    { name: 'webhook-deliveries', hash: `#/admin/webhooks/${webhookId}`, ready: 'table.webhooks tbody tr[data-id]', minCells: 8 },
  ];

  for (const viewport of VIEWPORTS) {
    describe(`${viewport.width}×${viewport.height}`, () => {
      let page: Page;
      let errors: string[];

      before(async () => {
        page = await browser.newPage({ viewport: { width: viewport.width, height: viewport.height } });
        errors = watchErrors(page);
        await signIn(page, server.url);
        await page.waitForSelector('.stream-status[data-status="open"]', { timeout: WAIT_MS });
      });

      after(async () => {
        await page?.close();
      });

      test('every page fits: no sideways scrolling, a one-line header, readable cells', async () => {
        for (const each of pages()) {
          await page.evaluate((hash) => {
            location.hash = hash;
          }, each.hash);
          if (each.name === 'events') {
            // The console shows what happens from now on: make something happen.
            await page.waitForSelector('.events-panel .stream-status[data-status="open"]', { timeout: WAIT_MS });
            await closeSession(
              server,
              await openSession(server, openBody({ user: { id: 'blink', name: 'Blink Briefly', type: 'staff' } })),
            );
          }
          await page.waitForSelector(each.ready, { timeout: WAIT_MS });
          const report = await assertLayout(page, `${each.name} at ${viewport.width} px`, each.minCells);
          screenshots.push(await saveScreenshot(page, each.name));
          console.log(`# ${each.name} ${viewport.width}px: page ${report.scrollWidth} px wide, ${report.cellsChecked} cells checked`);
        }
        assert.deepEqual(errors, [], 'the page logged no errors');
      });

      test('the chart: readable labels, a live point equal to the cards, a tooltip inside the chart', async () => {
        await page.evaluate(() => {
          location.hash = '#/sessions';
        });
        const chart = page.locator('.chart-panel svg.chart');
        await chart.waitFor({ timeout: WAIT_MS });
        await page.waitForFunction(() => document.querySelector('[data-stat="users"] .card-value')?.textContent !== '…', undefined, {
          timeout: WAIT_MS,
        });
        // The live point is the cards' own numbers (counts may move between the two reads: read them together).
        const agreement = await page.evaluate(() => ({
          cardUsers: document.querySelector('[data-stat="users"] .card-value')?.textContent,
          cardSessions: document.querySelector('[data-stat="sessions"] .card-value')?.textContent,
          liveUsers: document.querySelector('.chart-panel svg.chart')?.getAttribute('data-live-users'),
          liveSessions: document.querySelector('.chart-panel svg.chart')?.getAttribute('data-live-sessions'),
          top: Number(document.querySelector('.chart-panel svg.chart')?.getAttribute('data-top')),
        }));
        assert.equal(agreement.liveUsers, agreement.cardUsers?.replaceAll(',', ''));
        assert.equal(agreement.liveSessions, agreement.cardSessions?.replaceAll(',', ''));
        assert.ok(agreement.top >= Number(agreement.liveSessions), `the axis (0–${agreement.top}) reaches the live count`);
        // Every label is drawn at least 11 px tall, on a phone as on a desktop, and inside the chart.
        // The chart is drawn again once its box has its final size (a narrow viewport can settle a
        // frame after the first drawing, whose labels are then scaled down): the drawing that
        // stays is the one checked; if it never comes, the checks below say what is wrong.
        await page
          .waitForFunction(
            () => {
              const ticks = Array.from(document.querySelectorAll('.chart-panel svg.chart .tick'));
              return ticks.length >= 4 && ticks.every((tick) => tick.getBoundingClientRect().height >= 11);
            },
            undefined,
            { timeout: WAIT_MS },
          )
          .catch(() => {});
        const labels = await page.evaluate(() => {
          const box = document.querySelector('.chart-panel svg.chart')!.getBoundingClientRect();
          return Array.from(document.querySelectorAll('.chart-panel svg.chart .tick'), (text) => {
            const r = text.getBoundingClientRect();
            return { text: text.textContent, height: r.height, inside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5 };
          });
        });
        assert.ok(labels.length >= 4, `${labels.length} axis labels`);
        for (const label of labels) {
          assert.ok(label.height >= 11, `label "${label.text}" is ${label.height} px tall`);
          assert.ok(label.inside, `label "${label.text}" lies inside the chart`);
        }
        const xLabels = labels.filter((l) => /\d:\d\d|now/.test(l.text ?? ''));
        assert.ok(xLabels.length >= 2, 'times along the bottom');

        // Pointing at the live point shows its values in a tooltip that stays inside the chart.
        // (Read in one go: the chart redraws inside as the counts move.)
        const dot = await page.evaluate(() => {
          const r = document.querySelector('.chart-panel .live-dot')?.getBoundingClientRect();
          return r && { x: r.x + r.width / 2, y: r.y + r.height / 2 };
        });
        assert.ok(dot, 'the live point is drawn');
        await page.mouse.move(dot.x, dot.y);
        const tip = page.locator('.chart-panel .chart-tip');
        await tip.waitFor({ state: 'visible', timeout: WAIT_MS });
        assert.match(await tip.innerText(), new RegExp(`Now[\\s\\S]*${agreement.cardUsers} users? online[\\s\\S]*sessions?`));
        const inside = await page.evaluate(() => {
          const wrap = document.querySelector('.chart-panel .chart-wrap')!.getBoundingClientRect();
          const r = document.querySelector('.chart-panel .chart-tip')!.getBoundingClientRect();
          return r.left >= wrap.left - 0.5 && r.right <= wrap.right + 0.5 && r.right <= innerWidth;
        });
        assert.ok(inside, 'the tooltip lies inside the chart');
        // The keyboard walks the samples too.
        await chart.focus();
        await page.keyboard.press('ArrowLeft');
        await page.waitForFunction(() => !/^Now/.test(document.querySelector('.chart-panel .chart-tip')?.textContent ?? ''), undefined, {
          timeout: WAIT_MS,
        });
        await page.keyboard.press('Escape');
        await tip.waitFor({ state: 'hidden', timeout: WAIT_MS });
        await page.mouse.move(0, 0);
      });

      test('sessions follow the stream at this size, and the header menu opens inside the window', async () => {
        await page.evaluate(() => {
          location.hash = '#/sessions?sort=-started';
        });
        await page.waitForSelector(ROWS, { timeout: WAIT_MS });
        const id = await openSession(
          server,
          openBody({ user: { id: 'newcomer', name: 'Nadia Newcomer', type: 'staff' }, view: { m: 'chat', v: 'room', t: 'room|42' } }),
        );
        // Newest first: the new session is the first row (or card), live.
        await page.waitForFunction(
          (first) => document.querySelector<HTMLElement>(`.sessions-panel .vtable tbody tr[data-id]`)?.dataset.id === first,
          String(id),
          {
            timeout: WAIT_MS,
          },
        );
        const row = page.locator(`${ROWS}[data-id="${id}"]`);
        assert.match(await row.innerText(), /Nadia Newcomer[\s\S]*chat › room › room\|42/);
        const height = await row.evaluate((tr) => tr.getBoundingClientRect().height);
        if (viewport.width < 640) assert.ok(height > 80, `a card is ${height} px tall`);
        else assert.ok(height < 40, `a row is ${height} px tall`);
        await assertLayout(page, `live sessions at ${viewport.width} px`, 30);
        await closeSession(server, id);
        await page.waitForSelector(`${ROWS}[data-id="${id}"]`, { state: 'detached', timeout: WAIT_MS });

        const menu = page.locator('.menu-toggle');
        if (await menu.isVisible()) {
          await menu.click();
          await page.getByRole('link', { name: 'Event console' }).waitFor({ timeout: WAIT_MS });
          const links = await page.evaluate(() =>
            Array.from(document.querySelectorAll('.topbar nav a, .topbar .who > *'), (el) => {
              const r = el.getBoundingClientRect();
              return { text: el.textContent, left: r.left, right: r.right };
            }),
          );
          for (const link of links) assert.ok(link.left >= 0 && link.right <= viewport.width, `"${link.text}" lies in the window`);
          assert.ok((await measureLayout(page)).scrollWidth <= viewport.width);
          screenshots.push(await saveScreenshot(page, 'menu-open'));
          await page.getByRole('link', { name: 'Nodes', exact: true }).click();
          await page.getByRole('heading', { name: 'Nodes' }).waitFor({ timeout: WAIT_MS });
          assert.equal(await page.locator('.topbar-menu').isVisible(), false, 'the menu closes after choosing a page');
        } else assert.ok(viewport.width >= 960, 'the header shows its pages inline on a wide screen');
        assert.deepEqual(errors, []);
      });
    });
  }
});
