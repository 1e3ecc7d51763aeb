// Layout measurements the dashboard's browser tests assert, taken in the page with the browser's own
// layout (no pixel guessing): whether the page scrolls sideways, whether the header's parts lie inside
// the window, and whether each visible table cell shows its text's first characters on one line inside
// its box (a column squeezed to nothing, or cut after a letter or two, fails). Screenshots go to
// test-artifacts/dashboard/ (git ignores it), named by page and window size.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './browser.ts';

export const ARTIFACTS = join(ROOT, 'test-artifacts/dashboard');

/** The window sizes the issue names, and the narrowest phone it asks for. */
export const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
  { name: 'small-phone', width: 360, height: 740 },
] as const;

/** How many of a cell's first characters must show, whole, on one line (fewer when its text is shorter). */
export const FIRST_CHARACTERS = 8;

export interface CellProblem {
  page: string;
  text: string;
  /** The cell's content width, and how far the first characters reach past it (px). */
  width: number;
  overflow: number;
  lines: number;
}

export interface LayoutReport {
  innerWidth: number;
  /** document.scrollingElement.scrollWidth: more than innerWidth means the page scrolls sideways. */
  scrollWidth: number;
  header: { scrollWidth: number; clientWidth: number; height: number; outside: string[] };
  cellsChecked: number;
  cellProblems: CellProblem[];
}

/**
 * The probe, as a string: the test's transpiler would wrap a named function in a helper the page does
 * not have. Cells are those of every table in the page's main part that are rendered and not hidden.
 */
const PROBE = `((first) => {
  const visible = (el) => {
    const style = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    return style.display !== 'none' && style.visibility !== 'hidden' && !el.closest('[hidden]') && (rect.width > 0 || rect.height > 0 || el.offsetParent !== null);
  };
  const header = document.querySelector('header.topbar');
  const headerRect = header.getBoundingClientRect();
  const outside = Array.from(header.querySelectorAll('.brand, .stream-status, .menu-toggle, nav a, .who > *'))
    .filter((el) => visible(el) && el.getBoundingClientRect().width > 0)
    .filter((el) => { const r = el.getBoundingClientRect(); return r.left < -0.5 || r.right > innerWidth + 0.5; })
    .map((el) => el.textContent.trim());
  const problems = [];
  let checked = 0;
  for (const cell of document.querySelectorAll('main table td, main table th')) {
    if (!visible(cell) || cell.closest('tr.spacer, details:not([open])')) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let node = walker.nextNode();
    while (node && !node.textContent.trim()) node = walker.nextNode();
    if (!node) continue;
    const start = node.textContent.length - node.textContent.trimStart().length;
    const end = Math.min(node.textContent.length, start + first);
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
    if (rects.length === 0) continue;
    checked++;
    const box = cell.getBoundingClientRect();
    const style = getComputedStyle(cell);
    const right = box.right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth);
    const tops = new Set(rects.map((r) => Math.round(r.top)));
    const reach = Math.max(...rects.map((r) => r.right)) - right;
    if (reach > 1 || tops.size > 1 || box.width < 1)
      problems.push({ page: location.hash, text: node.textContent.trim().slice(0, 40), width: Math.round(right - box.left), overflow: Math.round(reach), lines: tops.size });
  }
  return {
    innerWidth,
    scrollWidth: document.scrollingElement.scrollWidth,
    header: { scrollWidth: header.scrollWidth, clientWidth: header.clientWidth, height: Math.round(headerRect.height), outside },
    cellsChecked: checked,
    cellProblems: problems,
  };
})(${FIRST_CHARACTERS})`;

export async function measureLayout(page: Page): Promise<LayoutReport> {
  return (await page.evaluate(PROBE)) as LayoutReport;
}

/**
 * The page fits its window: nothing scrolls sideways, the header is one line whose parts are all in
 * view, and every visible cell shows its first characters (at least `minCells` cells were checked, so
 * a page without its table fails too).
 */
export async function assertLayout(page: Page, what: string, minCells = 1): Promise<LayoutReport> {
  const report = await measureLayout(page);
  assert.ok(
    report.scrollWidth <= report.innerWidth,
    `${what}: the page is ${report.scrollWidth} px wide in a ${report.innerWidth} px window`,
  );
  assert.ok(
    report.header.scrollWidth <= report.header.clientWidth && report.header.outside.length === 0,
    `${what}: the header does not fit (${JSON.stringify(report.header)})`,
  );
  assert.ok(report.header.height <= 64, `${what}: the header is ${report.header.height} px tall (more than one line)`);
  assert.ok(report.cellsChecked >= minCells, `${what}: only ${report.cellsChecked} table cells were checked`);
  assert.deepEqual(report.cellProblems, [], `${what}: cells too narrow for their first ${FIRST_CHARACTERS} characters`);
  return report;
}

/** Saves a full-page screenshot as test-artifacts/dashboard/<name>-<width>x<height>.png; answers its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const size = page.viewportSize();
  const path = join(ARTIFACTS, `${name}-${size?.width}x${size?.height}.png`);
  // The header is sticky: from the top, it is drawn once, where it belongs.
  await page.evaluate(() => window.scrollTo(0, 0));
  const png = await page.screenshot({ path, fullPage: true });
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  return path;
}
