// The accuracy measurement (bench/accuracy/user-agents.ts) must not rot silently: it runs here on a few
// agents written in the corpora's own formats (uap-core's YAML, @ulixee/real-user-agents' JSON), whose
// right answers and counts are known, so a miscount or a wrong fold of family names fails.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  browserFamily,
  countReduced,
  formatReal,
  formatUap,
  measureRealUserAgents,
  measureUapFile,
  osFamily,
} from '../../bench/accuracy/user-agents.ts';

const WINDOWS_CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36';
const MAC_CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36';
const WIN7_FIREFOX = 'Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:115.0) Gecko/20100101 Firefox/115.0';

const yaml = (cases: [string, string][]) =>
  `test_cases:\n${cases.map(([agent, family]) => `  - user_agent_string: '${agent}'\n    family: '${family}'\n    major:\n`).join('\n')}`;

describe('user agent accuracy', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rollcall-accuracy-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('folds uap-core’s and bowser’s names of one family together, and keeps others apart', () => {
    assert.equal(browserFamily('Chrome Mobile'), browserFamily('Chrome'));
    assert.equal(browserFamily('Mobile Safari UI/WKWebView'), browserFamily('Safari'));
    assert.equal(browserFamily('Samsung Internet'), browserFamily('Samsung Internet for Android'));
    assert.equal(browserFamily('Other'), browserFamily('Unknown'));
    assert.notEqual(browserFamily('Chromium'), browserFamily('Chrome'));
    assert.equal(osFamily('Mac OS X'), osFamily('macOS'));
    assert.equal(osFamily('Ubuntu'), osFamily('Linux'));
    assert.notEqual(osFamily('Windows Phone'), osFamily('Windows'));
  });

  it('counts a uap-core file’s families found right, overall and for the mainstream ones', () => {
    const browsers = join(dir, 'test_ua.yaml');
    writeFileSync(
      browsers,
      yaml([
        [WINDOWS_CHROME, 'Chrome'],
        [WIN7_FIREFOX, 'Firefox'],
        [WINDOWS_CHROME, 'Edge'], // wrong on purpose: Chrome is named
        ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'Googlebot'],
        ['garbage', 'Other'],
      ]),
    );
    const result = measureUapFile(browsers, 'browser');
    assert.deepEqual([result.all.right, result.all.cases], [4, 5]);
    assert.deepEqual([result.mainstream.right, result.mainstream.cases], [2, 3]);
    assert.deepEqual(result.mainstream.byFamily.get('edge'), { cases: 1, right: 0 });

    const oses = join(dir, 'test_os.yaml');
    writeFileSync(
      oses,
      yaml([
        [MAC_CHROME, 'Mac OS X'],
        [WIN7_FIREFOX, 'Windows'],
        ['Yelp/8.0.0 CFNetwork/672.1.15 Darwin/14.0.0', 'iOS'],
      ]),
    );
    const os = measureUapFile(oses, 'os');
    assert.deepEqual([os.all.right, os.all.cases, os.mainstream.cases], [2, 3, 3]);
    assert.deepEqual(countReduced(oses), { cases: 3, reduced: 1 });
    assert.match(formatUap(result, os, { cases: 8, reduced: 2 }), /mainstream browsers: 66\.7 % \(2 of 3\)[\s\S]*in both files: 2 of 8/);
  });

  it('counts reduced agents that client hints put right, against bowser alone', () => {
    const agent = (pattern: string, osId: string, browserId: string, hints: string[]) => ({
      pattern,
      operatingSystemId: osId,
      browserId,
      browserBaseVersion: [138, 0, 7204, null],
      stablePatchVersions: [50],
      uaClientHintsPlatformVersions: hints,
    });
    const agents = {
      a: agent(WINDOWS_CHROME, 'windows-11', 'chrome-138-0', ['13.0.0', '14.0.0']),
      b: agent(WINDOWS_CHROME, 'windows-10', 'chrome-138-0', ['10.0.0']),
      c: agent(MAC_CHROME, 'mac-os-14', 'chrome-138-0', ['14.5.0']),
      d: agent(WIN7_FIREFOX, 'windows-7', 'firefox-115-0', []),
    };
    const oses = {
      'windows-7': { name: 'Windows', version: { major: '7' } },
      'windows-10': { name: 'Windows', version: { major: '10' } },
      'windows-11': { name: 'Windows', version: { major: '11' } },
      'mac-os-14': { name: 'Mac OS', version: { name: 'Sonoma', major: '14' } },
    };
    writeFileSync(join(dir, 'userAgentsById.json'), JSON.stringify(agents));
    writeFileSync(join(dir, 'operatingSystemsById.json'), JSON.stringify(oses));
    const result = measureRealUserAgents(dir);
    assert.equal(result.agents, 4);
    assert.deepEqual([result.browser.right, result.os.right], [4, 4]);
    // Only Windows 7 names a version from the agent; bowser alone says "10" for both Windows and 10.15.7 for the Mac.
    assert.deepEqual(result.versionFromAgent, { right: 1, wrong: 0, none: 3, bowserRight: 2, bowserWrong: 2 });
    assert.deepEqual(result.reduced, {
      agents: 3,
      rightWithoutHints: 0,
      wrongWithoutHints: 0,
      bowserWrong: 2,
      hintedAgents: 3,
      withHints: 4,
      rightWithHints: 4,
    });
    assert.match(
      formatReal(result),
      /3 of them from a Chrome whose client hints are known, with each platformVersion it reports: 100\.0 % \(4 of 4\) named right/,
    );
  });
});
