// How often the server names the right browser and OS (core/user-agent.ts's describeAgent), measured on
// public corpora whose answers are known, and how many reduced user agents client hints put right.
//
//   npm run bench:accuracy                                 uap-core's tests (Debian's package `uap-core`)
//   npm run bench:accuracy -- --uap-core DIR               another copy of uap-core (the folder holding tests/)
//   npm run bench:accuracy -- --real-user-agents DIR       also @ulixee/real-user-agents' data/ folder
//
// - uap-core (Apache-2.0): tests/test_ua.yaml and tests/test_os.yaml, each agent with the browser or OS
//   family uap-core's parsers must find. Its agents are chosen to be hard (apps, bots, old phones), not
//   weighted by use, so the figure that matters most is the one for the families people use.
// - @ulixee/real-user-agents (MIT; `npm pack @ulixee/real-user-agents` and unpack it: nothing is added to
//   the project): user agents of real browsers on BrowserStack machines of known Windows and macOS
//   versions, with the platformVersion values their Chrome reports as client hints. Each agent is named
//   once from itself and once with each of those hints, so it shows what the hints put right.
// Names are compared as families: uap-core's "Chrome Mobile", "Mobile Safari" or "Mac OS X" are bowser's
// "Chrome", "Safari" and "macOS", a Linux distribution is Linux, and "Other" is "Unknown".
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Bowser from 'bowser';
import { parse as parseYaml } from 'yaml';
import type { ClientHints } from '../../src/core/model.ts';
import { describeAgent } from '../../src/core/user-agent.ts';
import { runIfMain } from '../lib/child.ts';

export const DEFAULT_UAP_CORE = '/usr/share/uap-core';

/** Right answers out of cases, overall and per expected family. */
export interface Tally {
  cases: number;
  right: number;
  byFamily: Map<string, { cases: number; right: number }>;
}

const newTally = (): Tally => ({ cases: 0, right: 0, byFamily: new Map() });

function count(tally: Tally, family: string, right: boolean): void {
  tally.cases++;
  if (right) tally.right++;
  const entry = tally.byFamily.get(family) ?? { cases: 0, right: 0 };
  entry.cases++;
  if (right) entry.right++;
  tally.byFamily.set(family, entry);
}

/** Lower case, letters and digits only: "Mobile Safari UI/WKWebView" → "mobilesafariuiwkwebview". */
const squeeze = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Names of one family in uap-core's words and bowser's, squeezed, → the family. */
const BROWSER_FAMILIES: Record<string, string[]> = {
  chrome: ['chrome', 'chromemobile', 'chromemobileios', 'chromemobilewebview', 'headlesschrome', 'chromeheadless'],
  firefox: ['firefox', 'firefoxmobile', 'firefoxios', 'firefoxbeta', 'firefoxalpha'],
  safari: ['safari', 'mobilesafari', 'mobilesafariuiwkwebview'],
  edge: ['edge', 'edgemobile', 'microsoftedge'],
  ie: ['ie', 'iemobile', 'internetexplorer'],
  opera: ['opera', 'operamobile', 'operamini', 'operatablet'],
  samsung: ['samsunginternet', 'samsunginternetforandroid'],
  whale: ['whale', 'naverwhalebrowser'],
  androidbrowser: ['android', 'androidbrowser'],
  qqbrowser: ['qqbrowser', 'qqbrowsermobile', 'qqbrowsermini'],
  bingbot: ['bingbot', 'bingcrawler'],
  unknown: ['other', 'unknown'],
};
const OS_FAMILIES: Record<string, string[]> = {
  windows: ['windows'],
  macos: ['macos', 'macosx', 'mac'],
  ios: ['ios'],
  android: ['android'],
  linux: [
    'linux',
    'ubuntu',
    'kubuntu',
    'xubuntu',
    'debian',
    'fedora',
    'redhat',
    'gentoo',
    'mandriva',
    'slackware',
    'suse',
    'opensuse',
    'centos',
    'mint',
    'linuxmint',
    'archlinux',
  ],
  chromeos: ['chromeos'],
  blackberry: ['blackberry', 'blackberryos'],
  unknown: ['other', 'unknown'],
};

/** The families people use: the figure that matters for a presence service's sessions. */
export const MAINSTREAM_BROWSERS = ['chrome', 'firefox', 'safari', 'edge', 'ie', 'opera', 'samsung'];
export const MAINSTREAM_OSES = ['windows', 'macos', 'ios', 'android', 'linux', 'chromeos'];

function folder(families: Record<string, string[]>): (name: string) => string {
  const byName = new Map(Object.entries(families).flatMap(([family, names]) => names.map((name) => [name, family] as const)));
  return (name) => byName.get(squeeze(name)) ?? squeeze(name);
}
export const browserFamily = folder(BROWSER_FAMILIES);
export const osFamily = folder(OS_FAMILIES);

/** What one uap-core file measured: every agent, and those of the mainstream families. */
export interface CorpusResult {
  file: string;
  all: Tally;
  mainstream: Tally;
}

/** Names every agent of a uap-core test file and counts the families found right. */
export function measureUapFile(path: string, field: 'browser' | 'os'): CorpusResult {
  const { test_cases: cases } = parseYaml(readFileSync(path, 'utf8')) as { test_cases: { user_agent_string: string; family: string }[] };
  const fold = field === 'browser' ? browserFamily : osFamily;
  const mainstreamFamilies = field === 'browser' ? MAINSTREAM_BROWSERS : MAINSTREAM_OSES;
  const result: CorpusResult = { file: path, all: newTally(), mainstream: newTally() };
  for (const { user_agent_string: agent, family } of cases) {
    const expected = fold(family);
    const right = fold(describeAgent(agent)[field]) === expected;
    count(result.all, expected, right);
    if (mainstreamFamilies.includes(expected)) count(result.mainstream, expected, right);
  }
  return result;
}

/** Agents whose OS version is the same on every version of the OS: only the hints can tell it. */
export const REDUCED_AGENT = /Windows NT 10\.0|Mac OS X 10[._]15(?:[._]7)?[;)]|Android 10; K[;)]/;

export function countReduced(path: string): { cases: number; reduced: number } {
  const { test_cases: cases } = parseYaml(readFileSync(path, 'utf8')) as { test_cases: { user_agent_string: string }[] };
  return { cases: cases.length, reduced: cases.filter((c) => REDUCED_AGENT.test(c.user_agent_string)).length };
}

// ---- @ulixee/real-user-agents -----------------------------------------------------------------------

interface RealAgent {
  pattern: string;
  operatingSystemId: string;
  browserId: string;
  browserBaseVersion: (number | null)[];
  stablePatchVersions: number[];
  uaClientHintsPlatformVersions: string[];
}
interface RealOs {
  name: string;
  version: { name?: string; major: string; minor?: string };
}

/** The browser ids' families ("chrome-139-0" → chrome) and the brand each Chromium browser reports. */
const REAL_BROWSERS: Record<string, { family: string; brand?: string }> = {
  chrome: { family: 'chrome', brand: 'Google Chrome' },
  edge: { family: 'edge', brand: 'Microsoft Edge' },
  opera: { family: 'opera', brand: 'Opera' },
  firefox: { family: 'firefox' },
  safari: { family: 'safari' },
  ie: { family: 'ie' },
};

/** An OS named as describeAgent names it: its family and its version ("11", "14", "10.15", "XP"). */
function realOsName(os: RealOs): { family: string; version: string } {
  const { name, version } = os;
  if (name === 'Windows')
    return { family: 'windows', version: version.name ?? (version.minor ? `${version.major}.${version.minor}` : version.major) };
  return { family: osFamily(name), version: version.major === '10' ? `10.${version.minor}` : version.major };
}

/** Whether `named` ("14.5", "10.15.7") is the OS version `expected` ("14", "10.15"). */
function sameOsVersion(named: string | undefined, expected: string): boolean {
  if (named === undefined) return false;
  return named === expected || named.startsWith(`${expected}.`);
}

/** Figures over the real agents: families right, OS versions named right, wrong, or not at all. */
export interface RealResult {
  agents: number;
  browser: Tally;
  os: Tally;
  /** OS versions from the agent alone, against bowser alone (what rollcall showed before client hints). */
  versionFromAgent: { right: number; wrong: number; none: number; bowserRight: number; bowserWrong: number };
  /** Reduced agents with the platformVersion values their Chrome reports: one case per value. */
  reduced: {
    agents: number;
    rightWithoutHints: number;
    wrongWithoutHints: number;
    bowserWrong: number;
    /** Those of a browser that reports client hints, whose platformVersion values are known. */
    hintedAgents: number;
    /** Cases: each of those agents with each platformVersion value its browser reports. */
    withHints: number;
    rightWithHints: number;
  };
}

/** bowser's own OS version, as rollcall showed it before it knew of reduced agents: "10" for "NT 10.0". */
function bowserOsVersion(pattern: string): string | undefined {
  const { name, version, versionName } = Bowser.parse(pattern).os;
  return name === 'Windows' ? versionName : version;
}

export function measureRealUserAgents(dataDir: string): RealResult {
  const agents = Object.values(JSON.parse(readFileSync(join(dataDir, 'userAgentsById.json'), 'utf8')) as Record<string, RealAgent>);
  const oses = JSON.parse(readFileSync(join(dataDir, 'operatingSystemsById.json'), 'utf8')) as Record<string, RealOs>;
  const result: RealResult = {
    agents: agents.length,
    browser: newTally(),
    os: newTally(),
    versionFromAgent: { right: 0, wrong: 0, none: 0, bowserRight: 0, bowserWrong: 0 },
    reduced: { agents: 0, rightWithoutHints: 0, wrongWithoutHints: 0, bowserWrong: 0, hintedAgents: 0, withHints: 0, rightWithHints: 0 },
  };
  for (const real of agents) {
    const os = oses[real.operatingSystemId];
    const browser = REAL_BROWSERS[real.browserId.split('-')[0]!];
    if (!os || !browser) continue;
    const expected = realOsName(os);
    const described = describeAgent(real.pattern);
    count(result.browser, browser.family, browserFamily(described.browser) === browser.family);
    count(result.os, expected.family, osFamily(described.os) === expected.family);

    const fromAgent = described.osVersion;
    const v = result.versionFromAgent;
    if (fromAgent === undefined) v.none++;
    else if (sameOsVersion(fromAgent, expected.version)) v.right++;
    else v.wrong++;
    const bowser = bowserOsVersion(real.pattern);
    if (sameOsVersion(bowser, expected.version)) v.bowserRight++;
    else if (bowser !== undefined) v.bowserWrong++;

    if (!REDUCED_AGENT.test(real.pattern)) continue;
    const r = result.reduced;
    r.agents++;
    if (sameOsVersion(fromAgent, expected.version)) r.rightWithoutHints++;
    else if (fromAgent !== undefined) r.wrongWithoutHints++;
    if (bowser !== undefined && !sameOsVersion(bowser, expected.version)) r.bowserWrong++;
    if (!browser.brand || real.uaClientHintsPlatformVersions.length === 0) continue;
    r.hintedAgents++;
    const [major, minor, build] = real.browserBaseVersion;
    const full = `${major}.${minor}.${build}.${real.stablePatchVersions[0] ?? 0}`;
    for (const platformVersion of real.uaClientHintsPlatformVersions) {
      const hints: ClientHints = {
        platform: expected.family === 'windows' ? 'Windows' : 'macOS',
        platformVersion,
        fullVersionList: [
          { brand: 'Not)A;Brand', version: '8.0.0.0' },
          { brand: 'Chromium', version: full },
          { brand: browser.brand, version: full },
        ],
      };
      r.withHints++;
      if (sameOsVersion(describeAgent(real.pattern, undefined, hints).osVersion, expected.version)) r.rightWithHints++;
    }
  }
  return result;
}

// ---- report -----------------------------------------------------------------------------------------

const percent = (right: number, cases: number) => (cases === 0 ? '–' : `${((100 * right) / cases).toFixed(1)} %`);
const figure = (t: { right: number; cases: number }) => `${percent(t.right, t.cases)} (${t.right} of ${t.cases})`;

function familyLines(tally: Tally, families: readonly string[]): string[] {
  return families.filter((f) => tally.byFamily.has(f)).map((f) => `    ${f.padEnd(10)} ${figure(tally.byFamily.get(f)!)}`);
}

export function formatUap(browser: CorpusResult, os: CorpusResult, reduced: { cases: number; reduced: number }): string {
  return [
    `uap-core: browser family (${browser.file})`,
    `  every agent:        ${figure(browser.all)}`,
    `  mainstream browsers: ${figure(browser.mainstream)}`,
    ...familyLines(browser.mainstream, MAINSTREAM_BROWSERS),
    `uap-core: OS family (${os.file})`,
    `  every agent:        ${figure(os.all)}`,
    `  mainstream OSes:    ${figure(os.mainstream)}`,
    ...familyLines(os.mainstream, MAINSTREAM_OSES),
    `  reduced agents (Windows NT 10.0, Mac OS X 10_15_7, Android 10; K) in both files: ${reduced.reduced} of ${reduced.cases}`,
  ].join('\n');
}

export function formatReal(result: RealResult): string {
  const v = result.versionFromAgent;
  const r = result.reduced;
  return [
    `@ulixee/real-user-agents: ${result.agents} agents of real browsers on Windows and macOS machines`,
    `  browser family:     ${figure(result.browser)}`,
    ...familyLines(result.browser, MAINSTREAM_BROWSERS),
    `  OS family:          ${figure(result.os)}`,
    `  OS version from the agent alone: right ${v.right}, wrong ${v.wrong}, not named ${v.none}` +
      ` (bowser alone: right ${v.bowserRight}, wrong ${v.bowserWrong})`,
    `  reduced agents: ${r.agents}; OS version without hints: right ${r.rightWithoutHints}, wrong ${r.wrongWithoutHints} (bowser alone: wrong ${r.bowserWrong})`,
    `  ${r.hintedAgents} of them from a Chrome whose client hints are known, with each platformVersion it reports:` +
      ` ${figure({ right: r.rightWithHints, cases: r.withHints })} named right`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'uap-core': { type: 'string' }, 'real-user-agents': { type: 'string' } } });
  const uap = values['uap-core'] ?? DEFAULT_UAP_CORE;
  const files = { browser: join(uap, 'tests/test_ua.yaml'), os: join(uap, 'tests/test_os.yaml') };
  let browser: CorpusResult;
  let os: CorpusResult;
  try {
    [browser, os] = [measureUapFile(files.browser, 'browser'), measureUapFile(files.os, 'os')];
  } catch (error) {
    throw new Error(
      `cannot read uap-core's tests in ${uap} (sudo apt-get install uap-core, or --uap-core DIR): ${(error as Error).message}`,
    );
  }
  const reducedUa = countReduced(files.browser);
  const reducedOs = countReduced(files.os);
  console.log(formatUap(browser, os, { cases: reducedUa.cases + reducedOs.cases, reduced: reducedUa.reduced + reducedOs.reduced }));
  const real = values['real-user-agents'];
  if (real) console.log(`\n${formatReal(measureRealUserAgents(real))}`);
}

runIfMain(import.meta.filename, main);
