// /docs under its Content-Security-Policy, in a real browser: the page renders the operations and the
// browser reports no violation (a CSP that breaks the page would be switched off by the next person).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.ts';
import { launch, skipWithoutChromium, watchErrors } from '../web/browser.ts';

let server: TestServer;
let browser: Browser | undefined;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await browser?.close();
  await server.close();
});

test('the docs page renders its operations with no CSP violation', { skip: skipWithoutChromium() }, async () => {
  browser = await launch();
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(`${server.url}/docs`);
  await waitFor(async () => (await page.locator('.opblock').count()) > 10, { what: 'the operations to render', timeoutMs: 15_000 });
  // A CSP violation is a console error ("Refused to …").
  assert.deepEqual(errors, []);
});
