// The admin pages in a real browser, each checked by using what it made: an account's generated
// password signs in, an API key reads and stops reading once revoked, an OAuth client's secret gets a
// token (and the old one no longer does after a new one), a webhook's shown secret signs its
// deliveries and a delivery can be sent again. The server's own rules answer in the forms. Readers
// are offered none of it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { request } from '../helpers/http.ts';
import { openSession } from '../helpers/ingest.ts';
import { waitFor, type TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { expectedSignature, startReceiver, type Receiver } from '../webhooks/receiver.ts';
import { WAIT_MS, clickAndConfirm, skipWithoutChromium, startDashboardTest, type DashboardTest } from './browser.ts';

const skip = skipWithoutChromium();
const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/** The secret in the "shown once" box, after it appears. */
async function shownSecret(page: Page, what: RegExp): Promise<string> {
  const box = page.locator('.secret-box').filter({ hasText: what });
  await box.waitFor({ timeout: WAIT_MS });
  return box.locator('input.secret').inputValue();
}

async function goTo(page: Page, hash: string, heading: string) {
  await page.evaluate((h) => {
    location.hash = h;
  }, hash);
  await page.getByRole('heading', { name: heading, level: 2 }).waitFor({ timeout: WAIT_MS });
}

describe('dashboard admin pages', { skip }, () => {
  let dashboard: DashboardTest;
  let server: TestServer;
  let receiver: Receiver;
  let browser: Browser;
  let page: Page;

  before(async () => {
    receiver = await startReceiver();
    dashboard = await startDashboardTest();
    ({ server, browser, page } = dashboard);
  });

  after(async () => {
    await dashboard?.close();
    await receiver?.close();
  });

  test('accounts: create with a generated password, refuse what the API refuses, reset a password, remove', async () => {
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Accounts', level: 2 }).waitFor({ timeout: WAIT_MS });
    await page.locator('table.accounts tbody tr[data-id="admin"]').waitFor({ timeout: WAIT_MS });

    await page.getByLabel('User name', { exact: true }).fill('bad name');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#new-account-error').filter({ hasText: 'A user name is 1 to 64 letters' }).waitFor({ timeout: WAIT_MS });

    await page.getByLabel('User name', { exact: true }).fill('olga');
    await page.getByLabel('Role').selectOption('reader');
    await page.getByRole('button', { name: 'Create account' }).click();
    const password = await shownSecret(page, /The password of olga/);
    assert.ok(password.length >= 16, 'a generated password');
    await page.locator('table.accounts tbody tr[data-id="olga"]').waitFor({ timeout: WAIT_MS });
    const me = await request(server.url, 'GET', '/dashboard/me', { headers: { authorization: basic('olga', password) } });
    assert.equal(me.status, 200);
    assert.equal(me.json.role, 'reader');

    // The server's rule, in its words: the name is taken.
    await page.getByLabel('User name', { exact: true }).fill('olga');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#new-account-error').filter({ hasText: /olga/ }).waitFor({ timeout: WAIT_MS });
    await page.getByLabel('User name', { exact: true }).fill('');

    const row = page.locator('table.accounts tbody tr[data-id="olga"]');
    assert.match(await clickAndConfirm(page, row.getByRole('button', { name: 'New password' })), /new, generated password/);
    const next = await shownSecret(page, /The new password of olga/);
    assert.notEqual(next, password);
    assert.equal((await request(server.url, 'GET', '/dashboard/me', { headers: { authorization: basic('olga', password) } })).status, 401);
    assert.equal((await request(server.url, 'GET', '/dashboard/me', { headers: { authorization: basic('olga', next) } })).status, 200);

    assert.match(await clickAndConfirm(page, row.getByRole('button', { name: 'Remove' })), /Remove the account olga/);
    await row.waitFor({ state: 'detached', timeout: WAIT_MS });
    assert.equal((await request(server.url, 'GET', '/dashboard/me', { headers: { authorization: basic('olga', next) } })).status, 401);
    // Nobody removes the account they are signed in with from here.
    assert.equal(await page.locator('table.accounts tbody tr[data-id="admin"]').getByRole('button', { name: 'Remove' }).count(), 0);
  });

  test('API keys: a key shown once reads presence until it is revoked', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys', level: 2 }).waitFor({ timeout: WAIT_MS });
    await page.getByLabel('Kind').selectOption('api');
    await page.getByLabel('Label').fill('Wall display');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await shownSecret(page, /The new api key/);
    const reads = () => request(server.url, 'GET', '/v1/sessions?limit=1', { headers: { authorization: `Bearer ${key}` } });
    assert.equal((await reads()).status, 200);
    const row = page.locator('table.keys tbody tr').filter({ hasText: 'Wall display' });
    await row.waitFor({ timeout: WAIT_MS });
    assert.ok((await row.innerText()).includes(key.slice(0, 6)), 'the row shows the key by its prefix');
    assert.match(await clickAndConfirm(page, row.getByRole('button', { name: 'Revoke' })), /Revoke the key/);
    await row.locator('.badge', { hasText: 'Revoked' }).waitFor({ timeout: WAIT_MS });
    assert.equal((await reads()).status, 401);
  });

  test('OAuth clients: the secret gets a token; a new secret replaces it; removing ends it', async () => {
    await page.getByRole('link', { name: 'OAuth clients' }).click();
    await page.getByRole('heading', { name: 'OAuth clients', level: 2 }).waitFor({ timeout: WAIT_MS });
    await page.getByLabel('Permission').selectOption('read_only');
    await page.getByLabel('Label').fill('Ticketing');
    await page.getByRole('button', { name: 'Create client' }).click();
    const box = page.locator('.secret-box').filter({ hasText: /The secret of the client/ });
    const secret = await shownSecret(page, /The secret of the client/);
    const clientId = await box.locator('code').innerText();
    const token = (id: string, s: string) =>
      fetch(`${server.url}/oauth2/token`, {
        method: 'POST',
        headers: { authorization: basic(id, s), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      }).then((r) => r.status);
    assert.equal(await token(clientId, secret), 200);

    const row = page.locator(`table.oauth-clients tbody tr[data-id="${clientId}"]`);
    assert.match(await clickAndConfirm(page, row.getByRole('button', { name: 'New secret' })), /Replace the secret of Ticketing/);
    const replaced = await shownSecret(page, /The new secret of the client/);
    assert.notEqual(replaced, secret);
    assert.equal(await token(clientId, replaced), 200);
    assert.notEqual(await token(clientId, secret), 200, 'the old secret no longer gets a token');

    assert.match(await clickAndConfirm(page, row.getByRole('button', { name: 'Remove' })), /Remove the client Ticketing/);
    await page.getByText('Removed the client Ticketing').waitFor({ timeout: WAIT_MS });
    assert.notEqual(await token(clientId, replaced), 200);
  });

  test('webhooks: subscribe, see deliveries signed with the shown secret, redeliver, pause, remove', async () => {
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 2 }).waitFor({ timeout: WAIT_MS });
    // The server's rule for URLs, in its words.
    await page.getByLabel('URL').fill('ftp://example.com/hook');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.locator('#new-webhook-error').filter({ hasText: /http/ }).waitFor({ timeout: WAIT_MS });

    await page.getByLabel('URL').fill(receiver.url);
    for (const type of ['session.updated', 'session.ended', 'user.online', 'user.offline'])
      await page.getByLabel(type, { exact: true }).uncheck();
    await page.getByRole('button', { name: 'Subscribe' }).click();
    const secret = await shownSecret(page, /The signing secret of/);
    const row = page.locator('table.webhooks tbody tr').filter({ hasText: receiver.url });
    await row.waitFor({ timeout: WAIT_MS });
    assert.match(await row.innerText(), /session\.started[\s\S]*Active/);

    const id = await openSession(server, openBody({ user: { id: 'hooked', name: 'Hooked Person', type: 'staff' } }));
    const first = await waitFor(() => receiver.received.find((r) => r.json?.session?.id === id), {
      what: 'the delivery',
      timeoutMs: 15_000,
    });
    assert.equal(first.headers['x-rollcall-signature'], expectedSignature(secret, first), 'signed with the secret the page showed');

    await row.getByRole('link', { name: 'Deliveries' }).click();
    const delivery = page.locator(`table.webhooks tbody tr[data-id="${first.headers['x-rollcall-delivery']}"]`);
    await delivery.waitFor({ timeout: WAIT_MS });
    assert.match(await delivery.innerText(), /session\.started[\s\S]*delivered[\s\S]*HTTP 204/);
    await delivery.getByRole('button', { name: 'Redeliver' }).click();
    await page.getByText(/is queued again/).waitFor({ timeout: WAIT_MS });
    const again = await waitFor(
      () => receiver.received.filter((r) => r.headers['x-rollcall-delivery'] === first.headers['x-rollcall-delivery']).length === 2,
      { what: 'the delivery sent again', timeoutMs: 15_000 },
    );
    assert.ok(again);
    // The list shows the second attempt once it reloads (every few seconds, or on the filter).
    await page.getByLabel('Status').selectOption('delivered');
    await page.waitForFunction(
      (deliveryId) => document.querySelector(`table.webhooks tbody tr[data-id="${deliveryId}"] .col-count`)?.textContent === '2',
      String(first.headers['x-rollcall-delivery']),
      { timeout: 10_000 },
    );

    await page.getByRole('link', { name: '← Webhooks' }).click();
    await row.getByRole('button', { name: 'Pause' }).click();
    await row.locator('.badge', { hasText: 'Paused' }).waitFor({ timeout: WAIT_MS });
    await row.getByRole('button', { name: 'Resume' }).click();
    await row.locator('.badge', { hasText: 'Active' }).waitFor({ timeout: WAIT_MS });
    assert.match(await clickAndConfirm(page, row.getByRole('button', { name: 'Remove' })), /Remove the subscription/);
    await row.waitFor({ state: 'detached', timeout: WAIT_MS });
    // Chromium logs the answers refused on purpose above (a taken name, an ftp URL).
    assert.deepEqual(
      dashboard.errors.filter((e) => !/status of (400|409)/.test(e)),
      [],
      'the page logged no errors',
    );
  });

  test('a reader is offered no admin page, and the admin pages ask the server for nothing', async () => {
    const created = await request(server.url, 'POST', '/v1/accounts', {
      headers: { ...server.admin, 'content-type': 'application/json' },
      body: { username: 'rea', role: 'reader', password: 'reader-password-0123' },
    });
    assert.equal(created.status, 201, created.text);
    const reader = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      const asked: string[] = [];
      reader.on('request', (r) => {
        if (/\/v1\/(accounts|keys|oauth-clients|webhooks)/.test(r.url())) asked.push(r.url());
      });
      await reader.goto(server.url);
      await reader.getByLabel('User name').fill('rea');
      await reader.getByLabel('Password', { exact: true }).fill('reader-password-0123');
      await reader.getByRole('button', { name: 'Sign in' }).click();
      await reader.locator('.account').filter({ hasText: 'rea · reader' }).waitFor({ state: 'attached', timeout: WAIT_MS });
      assert.equal(await reader.locator('.topbar nav a[href^="#/admin"]').count(), 0, 'no Admin entry');
      for (const [hash, title] of [
        ['#/admin/accounts', 'Accounts'],
        ['#/admin/keys', 'API keys'],
        ['#/admin/oauth-clients', 'OAuth clients'],
        ['#/admin/webhooks', 'Webhooks'],
      ]) {
        await goTo(reader, hash!, title!);
        await reader.getByText('Only admins manage').waitFor({ timeout: WAIT_MS });
      }
      assert.deepEqual(asked, []);
    } finally {
      await reader.close();
    }
  });
});
