// A user's page in a real browser: their session history from the session log (when, how long, client,
// host, why it ended), which follows the stream as sessions start and end, pages through older
// sessions, and an admin's "End all sessions", which readers are not offered.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { RollcallClient } from '@rollcall/client';
import { request } from '../helpers/http.ts';
import { closeSession, openSession } from '../helpers/ingest.ts';
import { waitFor, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { WAIT_MS, clickAndConfirm, skipWithoutChromium, startDashboardTest, type DashboardTest } from './browser.ts';

const skip = skipWithoutChromium();
const HISTORY_ROWS = '.history-panel tbody tr[data-id]';

/** The history's rows as [session id, the row's text]. */
const historyRows = (page: Page): Promise<Array<[string, string]>> =>
  page
    .locator(HISTORY_ROWS)
    .evaluateAll((trs) => trs.map((tr) => [(tr as HTMLElement).dataset.id!, (tr as HTMLElement).innerText] as [string, string]));

describe("a user's session history in the dashboard", { skip }, () => {
  let dashboard: DashboardTest;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const clients: RollcallClient[] = [];

  before(async () => {
    dashboard = await startDashboardTest();
    ({ server, browser, page } = dashboard);
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await dashboard?.close();
  });

  test('shows past sessions with why they ended, follows the stream, and an admin ends all live ones', async () => {
    const user = { id: 'hana', name: 'Hana Historia', type: 'staff' };
    const closed = await openSession(server, openBody({ user, clientType: 'web', hostname: 'hana-laptop' }));
    await closeSession(server, closed);
    const http = await openSession(server, openBody({ user, clientType: 'representative', hostname: 'hana-desk' }));
    const client = new RollcallClient({
      url: server.url,
      token: () => server.token({ sub: 'hana', name: 'Hana Historia', utype: 'staff', ctypes: ['web'] }),
      session: { clientType: 'web', hostname: 'hana-phone' },
    });
    clients.push(client);
    await client.connect();
    const ws = client.sessionId!;

    await page.evaluate(() => {
      location.hash = '#/users/hana';
    });
    await page.getByRole('heading', { name: 'Hana Historia', level: 2 }).waitFor({ timeout: WAIT_MS });
    await page.waitForFunction((n) => document.querySelectorAll('.history-panel tbody tr[data-id]').length === n, 3, { timeout: WAIT_MS });
    // Newest first: the WebSocket session, then the HTTP one, then the one that ended.
    let rows = await historyRows(page);
    assert.deepEqual(
      rows.map(([id]) => Number(id)),
      [ws, http, closed],
    );
    assert.match(rows[0]![1], /Live[\s\S]*Web[\s\S]*hana-phone/);
    assert.match(rows[1]![1], /Live[\s\S]*Representative · Chrome 134 on Windows[\s\S]*hana-desk/);
    assert.match(rows[2]![1], /\d+ s[\s\S]*Web[\s\S]*hana-laptop[\s\S]*Closed by the client/);

    // A session that starts while the page is open comes first, live.
    const late = await openSession(server, openBody({ user, clientType: 'push_agent', hostname: 'hana-jump' }));
    await page.waitForFunction(
      (id) => document.querySelector<HTMLElement>('.history-panel tbody tr[data-id]')?.dataset.id === String(id),
      late,
      {
        timeout: WAIT_MS,
      },
    );

    // The user's facts reload apart from the history (coalesced): the count the confirmation names
    // is the one the page shows.
    await page.locator('.subtitle').first().getByText('3 live sessions').waitFor({ timeout: WAIT_MS });

    // End all: the admin confirms, three live sessions end, the history says who ended them.
    const asked = await clickAndConfirm(page, page.getByRole('button', { name: 'End all sessions' }));
    assert.match(asked, /End all 3 live sessions of Hana Historia/);
    await page.getByText('Ended 3 sessions.').waitFor({ timeout: WAIT_MS });
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('.history-panel tbody tr[data-id]')).filter((tr) =>
          /Ended by an admin \(admin\)/.test((tr as HTMLElement).innerText),
        ).length === 3,
      undefined,
      { timeout: WAIT_MS },
    );
    rows = await historyRows(page);
    assert.equal(rows.length, 4);
    assert.ok(
      rows.every(([, text]) => !/\bLive\b/.test(text)),
      'nothing is live any more',
    );
    assert.match(await page.locator('.subtitle').first().innerText(), /Offline/);
    assert.equal(await page.getByRole('button', { name: 'End all sessions' }).count(), 0, 'nothing left to end');
    assert.equal(await server.rollcall.presence.getSession(http), undefined);
    await waitFor(() => client.state === 'closed', { what: 'the WebSocket client to hear it was ended', timeoutMs: WAIT_MS });
  });

  test('pages through older sessions, 50 at a time', async () => {
    const user = { id: 'pager', name: 'Paul Pager', type: 'customer' };
    const ids: number[] = [];
    for (let i = 0; i < 53; i++) {
      ids.push(
        await openSession(server, openBody({ user, clientType: 'support_customer', customer: { lsid: `l${i}` }, hostname: `pc-${i}` })),
      );
      await closeSession(server, ids.at(-1)!);
    }
    await page.evaluate(() => {
      location.hash = '#/users/pager';
    });
    await page.waitForFunction((n) => document.querySelectorAll('.history-panel tbody tr[data-id]').length === n, 50, { timeout: WAIT_MS });
    assert.match(await page.locator('#history-count').innerText(), /50 shown · 50 ended · more below/);
    await page.getByRole('button', { name: 'Show older sessions' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('.history-panel tbody tr[data-id]').length === n, 53, { timeout: WAIT_MS });
    const shown = (await historyRows(page)).map(([id]) => Number(id));
    assert.deepEqual(shown, [...ids].reverse(), 'every session once, newest first');
    assert.equal(await page.getByRole('button', { name: 'Show older sessions' }).isVisible(), false);
    assert.deepEqual(dashboard.errors, [], 'the page logged no errors');
  });

  test('a reader sees the history but is offered no "End all sessions"', async () => {
    const headers = { ...server.admin, 'content-type': 'application/json' };
    const account = await request(server.url, 'POST', '/v1/accounts', {
      headers,
      body: { username: 'reader', role: 'reader', password: 'reader-password-0123' },
    });
    assert.equal(account.status, 201, account.text);
    const live = await openSession(server, openBody({ user: { id: 'rina', name: 'Rina Reads', type: 'staff' } }));
    const reader = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await reader.goto(server.url);
      await reader.getByLabel('User name').fill('reader');
      await reader.getByLabel('Password', { exact: true }).fill('reader-password-0123');
      await reader.getByRole('button', { name: 'Sign in' }).click();
      await reader.locator('.account').filter({ hasText: 'reader · reader' }).waitFor({ state: 'attached', timeout: WAIT_MS });
      await reader.evaluate(() => {
        location.hash = '#/users/rina';
      });
      await reader.locator(`${HISTORY_ROWS}[data-id="${live}"]`).waitFor({ timeout: WAIT_MS });
      assert.equal(await reader.getByRole('button', { name: 'End all sessions' }).count(), 0);
      // The server refuses it anyway.
      const refused = await request(server.url, 'DELETE', '/v1/users/rina/sessions', {
        headers: { authorization: `Basic ${Buffer.from('reader:reader-password-0123').toString('base64')}` },
      });
      assert.equal(refused.status, 403);
    } finally {
      await reader.close();
    }
  });
});
