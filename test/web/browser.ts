// What the browser tests share: building the pages and the SDK, launching Debian's Chromium, watching
// for page errors; for the dashboard's, signing in and waiting for the sessions table to show given rows.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { skipUnlessInstalled } from '../helpers/requirements.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { TEST_ADMIN_PASSWORD, startTestServer, type TestServer } from '../helpers/server.ts';

export const CHROMIUM = '/usr/bin/chromium';
/** node:test's `skip` option: a loud skip without Chromium (a failure with ROLLCALL_REQUIRE_ALL=1). */
export const skipWithoutChromium = () => skipUnlessInstalled(CHROMIUM, 'chromium');
export const ROOT = join(import.meta.dirname, '../..');
const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const WAIT_MS = 5_000;
/** The sessions table's rows that hold a session (not spacers, not placeholders). */
export const ROWS = '.sessions-panel .vtable tbody tr[data-id]';

/** The SDK's minified browser bundle, which pages load from the server at /sdk/rollcall-client.js. */
export const SDK_BUNDLE = join(ROOT, 'packages/client/dist/browser/rollcall-client.min.js');

/**
 * Builds what a browser test loads from source first (`web`: the dashboard; `client`: the SDK; `demo`:
 * the demo's ticket page), so a test never runs against a stale bundle.
 */
export function buildBrowserCode(...parts: ('web' | 'client' | 'demo')[]): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-client.mjs'), ...parts], { cwd: ROOT, stdio: 'pipe' });
}

export const buildDashboard = (): void => buildBrowserCode('web');

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
}

/** Collects what the page throws or logs as an error; tests check it stayed empty. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // A 4xx the page asked for on purpose (a wrong password) is logged by Chromium as a resource error.
    if (message.type() === 'error' && !/status of 40[14]/.test(message.text())) errors.push(`console: ${message.text()}`);
  });
  return errors;
}

export async function signIn(page: Page, url: string, password = TEST_ADMIN_PASSWORD): Promise<void> {
  await page.goto(url);
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Clicks `target`, accepts the confirm() that opens, and answers what it asked. The dialog is accepted
 * before anything is checked: a dialog left open (a handler that threw) blocks the page, so the click
 * and every later test on the page would wait until they time out.
 */
export async function clickAndConfirm(page: Page, target: Locator): Promise<string> {
  const asked = new Promise<string>((resolve) =>
    page.once('dialog', (dialog) => {
      resolve(dialog.message());
      void dialog.accept();
    }),
  );
  await target.click({ timeout: WAIT_MS });
  let timer: NodeJS.Timeout | undefined;
  const none = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the click asked for no confirmation')), WAIT_MS);
  });
  try {
    return await Promise.race([asked, none]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until the sessions table shows exactly these session ids (order aside). */
export async function waitForRows(page: Page, ids: number[], timeout = WAIT_MS): Promise<void> {
  const expected = [...ids].sort((a, b) => a - b).join(',');
  try {
    await page.waitForFunction(
      ({ selector, expected }) =>
        Array.from(document.querySelectorAll<HTMLElement>(selector))
          .map((tr) => Number(tr.dataset.id))
          .sort((a, b) => a - b)
          .join(',') === expected,
      { selector: ROWS, expected },
      { timeout },
    );
  } catch (error) {
    const shown = await page.$$eval(ROWS, (trs) => trs.map((tr) => (tr as HTMLElement).dataset.id).join(','));
    throw new Error(`table shows [${shown}], expected [${expected}]: ${(error as Error).message}`);
  }
}

export interface DashboardTest {
  server: TestServer;
  browser: Browser;
  /** Signed in as the admin, the stream open. */
  page: Page;
  /** What the page threw or logged as an error (watchErrors). */
  errors: string[];
  close(): Promise<void>;
}

/** A dashboard test's start: the page built, a server, Chromium, and a page signed in as the admin. */
export async function startDashboardTest(
  serverOptions: Partial<ConfigInput> = {},
  viewport = { width: 1280, height: 800 },
): Promise<DashboardTest> {
  buildDashboard();
  const server = await startTestServer({ historyFlushMs: 50, sessionTtl: 600, ...serverOptions });
  const browser = await launch();
  const page = await browser.newPage({ viewport });
  const errors = watchErrors(page);
  await signIn(page, server.url);
  await page.waitForSelector('.topbar .stream-status[data-status="open"]', { timeout: WAIT_MS });
  return {
    server,
    browser,
    page,
    errors,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}
