// The event console in a real browser: the change stream as it happens, newest first, filtered by the
// stream itself (its own query string, kept in the address), paused without losing what comes in the
// meantime, each event opening to its JSON.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { closeSession, openSession } from '../helpers/ingest.ts';
import type { TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { WAIT_MS, skipWithoutChromium, startDashboardTest, type DashboardTest } from './browser.ts';

const skip = skipWithoutChromium();
const EVENTS = '#event-list li.event';
/** Past the console's wait for typing to pause (400 ms) before it reads a typed field. */
const TYPING_SETTLED_MS = 600;

/** The console's entries, newest first, as "type: summary". */
const entries = (page: Page) =>
  page
    .locator(EVENTS)
    .evaluateAll((lis) => lis.map((li) => `${(li as HTMLElement).dataset.type}: ${li.querySelector('.event-summary')?.textContent}`));

async function waitForEntries(page: Page, count: number) {
  await page.waitForFunction((n) => document.querySelectorAll('#event-list li.event').length === n, count, { timeout: WAIT_MS });
}

/** Waits for the console's own stream to be open (after a filter change it reconnects). */
async function consoleOpen(page: Page, query: string) {
  await page.waitForFunction((q) => location.hash === `#/events${q}`, query, { timeout: WAIT_MS });
  await page.waitForSelector('.events-panel .stream-status[data-status="open"]', { timeout: WAIT_MS });
}

describe('the event console', { skip }, () => {
  let dashboard: DashboardTest;
  let server: TestServer;
  let page: Page;

  before(async () => {
    dashboard = await startDashboardTest({}, { width: 390, height: 844 });
    ({ server, page } = dashboard);
    await page.evaluate(() => {
      location.hash = '#/events';
    });
    await consoleOpen(page, '');
  });

  after(async () => {
    await dashboard?.close();
  });

  test('shows each change as it happens, newest first, and opens one to its JSON', async () => {
    const id = await openSession(server, openBody({ user: { id: 'ella', name: 'Ella Event', type: 'staff' }, hostname: 'ella-pc' }));
    await closeSession(server, id);
    await waitForEntries(page, 4);
    assert.deepEqual(await entries(page), [
      'user.offline: Ella Event went offline',
      `session.ended: Ella Event: session ${id} (Web) ended: the client closed it`,
      'user.online: Ella Event came online',
      `session.started: Ella Event opened session ${id} (Web) on ella-pc`,
    ]);
    assert.match(await page.locator('#events-count').innerText(), /^4 received · 4 shown$/);
    const started = page.locator(`${EVENTS}[data-type="session.started"]`);
    assert.match((await started.getAttribute('data-event-id')) ?? '', /^\d+$/, 'the stream id is kept');
    await started.locator('summary').click();
    const json = JSON.parse(await started.locator('pre.event-json').innerText());
    assert.equal(json.type, 'session.started');
    assert.equal(json.session.id, id);
    assert.equal(json.session.user.name, 'Ella Event');
  });

  test('filters by type, user and client type on the stream, and keeps them in the address', async () => {
    await page.getByRole('button', { name: 'Clear' }).click();
    await waitForEntries(page, 0);
    // Only user.online and user.offline: uncheck the others.
    for (const type of ['session.started', 'session.updated', 'session.ended', 'place.join', 'place.leave'])
      await page.getByLabel(type, { exact: true }).uncheck();
    await consoleOpen(page, '?types=user.online%2Cuser.offline');
    const a = await openSession(server, openBody({ user: { id: 'otto', name: 'Otto Online', type: 'staff' } }));
    await closeSession(server, a);
    await waitForEntries(page, 2);
    assert.deepEqual(await entries(page), ['user.offline: Otto Online went offline', 'user.online: Otto Online came online']);

    // Every type again, but one user only: others' changes never arrive.
    for (const type of ['session.started', 'session.updated', 'session.ended', 'place.join', 'place.leave'])
      await page.getByLabel(type, { exact: true }).check();
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByLabel('User id').fill('una');
    await consoleOpen(page, '?userId=una');
    const other = await openSession(server, openBody({ user: { id: 'someone-else', name: 'Someone Else', type: 'staff' } }));
    const una = await openSession(server, openBody({ user: { id: 'una', name: 'Una Only', type: 'staff' }, clientType: 'representative' }));
    await waitForEntries(page, 2);
    assert.deepEqual(await entries(page), [
      'user.online: Una Only came online',
      `session.started: Una Only opened session ${una} (Representative) on jack-pc`,
    ]);

    // And a client type: user events have none, so only session events of that type come. The user id
    // typed away just before settles after the select: the same filter, so the open stream is kept (a
    // second stream would lose what arrives between the two).
    const streams: string[] = [];
    const countStream = (request: { url(): string }) => {
      if (new URL(request.url()).pathname === '/v1/events') streams.push(request.url());
    };
    page.on('request', countStream);
    await page.getByLabel('User id').fill('');
    await page.getByLabel('Client type').selectOption('representative');
    await consoleOpen(page, '?clientType=representative');
    await page.waitForTimeout(TYPING_SETTLED_MS);
    page.off('request', countStream);
    assert.equal(streams.length, 1, `one stream for one filter: ${streams.join(', ')}`);
    await page.getByRole('button', { name: 'Clear' }).click();
    await closeSession(server, other);
    await closeSession(server, una);
    await waitForEntries(page, 1);
    assert.deepEqual(await entries(page), [`session.ended: Una Only: session ${una} (Representative) ended: the client closed it`]);
    await page.getByLabel('Client type').selectOption('');
    await consoleOpen(page, '');
  });

  test('pause holds what arrives; resume shows it in order', async () => {
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('button', { name: 'Pause' }).click();
    assert.equal(await page.locator('#events-pause').getAttribute('aria-pressed'), 'true');
    const id = await openSession(server, openBody({ user: { id: 'pia', name: 'Pia Paused', type: 'staff' } }));
    await page.getByRole('button', { name: 'Resume (2)' }).waitFor({ timeout: WAIT_MS });
    assert.match(await page.locator('#events-count').innerText(), /paused, 2 waiting/);
    assert.equal(await page.locator(EVENTS).count(), 0, 'nothing is shown while paused');
    await page.getByRole('button', { name: 'Resume (2)' }).click();
    await waitForEntries(page, 2);
    assert.deepEqual(await entries(page), [
      'user.online: Pia Paused came online',
      `session.started: Pia Paused opened session ${id} (Web) on jack-pc`,
    ]);
    // Live again.
    await closeSession(server, id);
    await waitForEntries(page, 4);
    assert.deepEqual(dashboard.errors, [], 'the page logged no errors');
  });
});
