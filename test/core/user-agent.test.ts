// describeAgent: what the dialects show of a user agent, parsed once per session with bowser. Real
// browsers, bots and tools, no agent at all (the reported platform stands in), garbage, huge and absurd
// agents, the shared frozen objects of the cache and its bound, and when sessions parse. Then client
// hints: a table of hints → names (Windows 11 from a reduced "Windows NT 10.0", macOS and Android
// versions, full browser versions from the brand list, GREASE brands ignored), and reduced agents
// without hints, which name no OS version rather than a frozen one. Last, agentNames: the short names
// ("Chrome 134", "Windows 11") the session log keeps.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { agentNames, describeAgent } from '../../src/core/user-agent.ts';
import type { ClientHints, SessionAgent } from '../../src/core/model.ts';
import { applyUpdate, sessionFactsFromOpen } from '../../src/core/session-input.ts';
import { makeSession, openBody } from '../helpers/sessions.ts';

const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36';

describe('describeAgent', () => {
  const cases: [string, string | undefined, string | undefined, [string, string, number, string, string?]][] = [
    ['Chrome on Linux (the Motadata document)', CHROME_LINUX, undefined, ['Chrome', '134.0.0.0', 134, 'Linux']],
    [
      'Edge on Windows',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36 Edg/134.0.0.0',
      undefined,
      ['Microsoft Edge', '134.0.0.0', 134, 'Windows'],
    ],
    [
      'Safari on macOS',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
      undefined,
      ['Safari', '17.4', 17, 'macOS'],
    ],
    [
      'Safari on iPhone',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
      undefined,
      ['Safari', '17.4', 17, 'iOS', '17.4'],
    ],
    [
      'Firefox on Linux',
      'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0',
      undefined,
      ['Firefox', '130.0', 130, 'Linux'],
    ],
    [
      'Chrome on Android',
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
      'ignored when the agent names an OS',
      ['Chrome', '124.0.0.0', 124, 'Android', '14'],
    ],
    [
      'a known bot',
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      undefined,
      ['Googlebot', '2.1', 2, 'Unknown'],
    ],
    ['an unknown bot: its product token', 'AcmeCrawler/3.7 (+https://acme.example/bot)', 'Linux', ['AcmeCrawler', '3.7', 3, 'Linux']],
    ['an HTTP tool', 'curl/8.5.0', undefined, ['curl', '8.5.0', 8, 'Unknown']],
    ['python-requests', 'python-requests/2.31.0', 'Ubuntu 24.04', ['python-requests', '2.31.0', 2, 'Ubuntu 24.04']],
    ['no agent: the reported platform', undefined, 'Windows 11 (x64)', ['Unknown', '', 0, 'Windows 11 (x64)']],
    ['an empty agent', '', 'Windows 11 (x64)', ['Unknown', '', 0, 'Windows 11 (x64)']],
    ['blanks only, and no platform', '  \t ', '   ', ['Unknown', '', 0, 'Unknown']],
    ['control characters and garbage', '\u0000\u0001\u001b[31m#%&*', undefined, ['Unknown', '', 0, 'Unknown']],
    ['"Mozilla/5.0" alone says nothing', 'Mozilla/5.0 (garbage; nothing known)', undefined, ['Unknown', '', 0, 'Unknown']],
    ['junk before a slash is no name', 'a/b/c/d (x)', undefined, ['Unknown', '', 0, 'Unknown']],
    [
      'an absurd version',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99999999999999999999.0 Safari/537.36',
      undefined,
      ['Chrome', '99999999999999999999.0', 0, 'Windows'],
    ],
  ];
  for (const [name, agent, platform, [browser, version, majorVersion, os, osVersion]] of cases) {
    it(name, () => {
      const described = describeAgent(agent, platform);
      assert.deepEqual(described, { browser, version, majorVersion, os, ...(osVersion && { osVersion }) });
      assert.deepEqual(Object.keys(described), ['browser', 'version', 'majorVersion', 'os', ...(osVersion ? ['osVersion'] : [])]);
      assert.ok(Number.isInteger(described.majorVersion));
    });
  }

  it('parses a huge agent in bounded time, and only its first 512 characters', () => {
    const huge = `${CHROME_LINUX} ${'x'.repeat(5_000_000)}`;
    const started = performance.now();
    const described = describeAgent(huge);
    assert.ok(performance.now() - started < 1_000, 'bounded');
    assert.deepEqual(described, describeAgent(CHROME_LINUX));
    assert.ok(described.version.length <= 64);
  });

  it('answers one shared frozen object for identical agents', () => {
    const a = describeAgent(CHROME_LINUX, 'Linux');
    const b = describeAgent(`${CHROME_LINUX}`, 'Linux');
    assert.equal(a, b);
    assert.ok(Object.isFrozen(a));
    assert.throws(() => {
      (a as { browser: string }).browser = 'changed';
    }, TypeError);
  });

  it('keeps a bounded number of agents, dropping the least recently used', () => {
    const first = describeAgent('bounded-test/1.0');
    const kept = describeAgent('bounded-test/2.0');
    for (let i = 0; i < 1_000; i++) {
      describeAgent(`filler-${i}/1.0`);
      if (i % 100 === 0) describeAgent('bounded-test/2.0'); // recently used: stays
    }
    assert.equal(describeAgent('bounded-test/2.0'), kept);
    const again = describeAgent('bounded-test/1.0');
    assert.notEqual(again, first, 'evicted, so parsed anew');
    assert.deepEqual(again, first);
  });
});

const WINDOWS_CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36';
const MAC_CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36';
const ANDROID_CHROME = 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Mobile Safari/537.36';
const CROS_CHROME = 'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36';
const GREASE = { brand: 'Not)A;Brand', version: '8.0.0.0' };
const chromeBrands = (version: string) => [GREASE, { brand: 'Chromium', version }, { brand: 'Google Chrome', version }];

describe('describeAgent with client hints', () => {
  // [case, user agent, hints, what the session shows]: every row's agent alone says less, or says it wrong.
  const table: [string, string | undefined, ClientHints, SessionAgent][] = [
    [
      'Windows 11: platformVersion 13 and up (Microsoft), the full version from the brands',
      WINDOWS_CHROME,
      { platform: 'Windows', platformVersion: '19.0.0', fullVersionList: chromeBrands('138.0.7204.50') },
      { browser: 'Chrome', version: '138.0.7204.50', majorVersion: 138, os: 'Windows', osVersion: '11' },
    ],
    [
      'Windows 11 from its first platformVersion',
      WINDOWS_CHROME,
      { platform: 'Windows', platformVersion: '13.0.0' },
      { browser: 'Chrome', version: '138.0.0.0', majorVersion: 138, os: 'Windows', osVersion: '11' },
    ],
    [
      'Windows 10: platformVersion 1 to 10',
      WINDOWS_CHROME,
      { platform: 'Windows', platformVersion: '10.0.0' },
      { browser: 'Chrome', version: '138.0.0.0', majorVersion: 138, os: 'Windows', osVersion: '10' },
    ],
    [
      'Windows 10 up to 12 (below 13 is never 11)',
      WINDOWS_CHROME,
      { platform: 'Windows', platformVersion: '12.0.0' },
      { browser: 'Chrome', version: '138.0.0.0', majorVersion: 138, os: 'Windows', osVersion: '10' },
    ],
    [
      'Windows 7: platformVersion 0.1.0',
      WINDOWS_CHROME,
      { platform: 'Windows', platformVersion: '0.1.0' },
      { browser: 'Chrome', version: '138.0.0.0', majorVersion: 138, os: 'Windows', osVersion: '7' },
    ],
    [
      'Windows 8.1: platformVersion 0.3.0',
      WINDOWS_CHROME,
      { platform: 'Windows', platformVersion: '0.3.0' },
      { browser: 'Chrome', version: '138.0.0.0', majorVersion: 138, os: 'Windows', osVersion: '8.1' },
    ],
    [
      'Edge: its own brand, not the engine’s',
      `${WINDOWS_CHROME} Edg/138.0.0.0`,
      {
        platform: 'Windows',
        platformVersion: '15.0.0',
        fullVersionList: [{ brand: 'Microsoft Edge', version: '138.0.3351.55' }, GREASE, { brand: 'Chromium', version: '138.0.7204.50' }],
      },
      { browser: 'Microsoft Edge', version: '138.0.3351.55', majorVersion: 138, os: 'Windows', osVersion: '11' },
    ],
    [
      'macOS 15.5 behind "Mac OS X 10_15_7"',
      MAC_CHROME,
      { platform: 'macOS', platformVersion: '15.5.0', fullVersionList: chromeBrands('138.0.7204.93') },
      { browser: 'Chrome', version: '138.0.7204.93', majorVersion: 138, os: 'macOS', osVersion: '15.5' },
    ],
    [
      'macOS 26: a whole version is written whole',
      MAC_CHROME,
      { platform: 'macOS', platformVersion: '26.0.0' },
      { browser: 'Chrome', version: '138.0.0.0', majorVersion: 138, os: 'macOS', osVersion: '26' },
    ],
    [
      'Android 14 and the model behind "Android 10; K"',
      ANDROID_CHROME,
      { platform: 'Android', platformVersion: '14.0.0', model: 'Pixel 8', fullVersionList: chromeBrands('138.0.7204.63') },
      { browser: 'Chrome', version: '138.0.7204.63', majorVersion: 138, os: 'Android', osVersion: '14', model: 'Pixel 8' },
    ],
    [
      'Samsung Internet, spelt as bowser spells it',
      ANDROID_CHROME,
      {
        platform: 'Android',
        platformVersion: '15.0.0',
        model: 'SM-S921B',
        fullVersionList: [{ brand: 'Samsung Internet', version: '28.0.1.4' }, { brand: 'Chromium', version: '130.0.6723.86' }, GREASE],
      },
      { browser: 'Samsung Internet for Android', version: '28.0.1.4', majorVersion: 28, os: 'Android', osVersion: '15', model: 'SM-S921B' },
    ],
    [
      'Chrome OS: its platformVersion is a build, not a name',
      CROS_CHROME,
      { platform: 'Chrome OS', platformVersion: '16093.68.0', fullVersionList: chromeBrands('138.0.7204.114') },
      { browser: 'Chrome', version: '138.0.7204.114', majorVersion: 138, os: 'Chrome OS' },
    ],
    [
      'Linux: its platformVersion is the kernel’s',
      CHROME_LINUX,
      { platform: 'Linux', platformVersion: '6.5.0', fullVersionList: chromeBrands('134.0.6998.88') },
      { browser: 'Chrome', version: '134.0.6998.88', majorVersion: 134, os: 'Linux' },
    ],
    [
      'Chromium: no brand of its own, so not Google Chrome',
      CHROME_LINUX,
      { platform: 'Linux', fullVersionList: [{ brand: 'Chromium', version: '134.0.6998.88' }, GREASE] },
      { browser: 'Chromium', version: '134.0.6998.88', majorVersion: 134, os: 'Linux' },
    ],
    [
      'Vivaldi: no brand of its own, and Chromium’s version is not its version',
      `${WINDOWS_CHROME} Vivaldi/7.5.3735.47`,
      { platform: 'Windows', platformVersion: '19.0.0', fullVersionList: [{ brand: 'Chromium', version: '138.0.7204.50' }, GREASE] },
      { browser: 'Vivaldi', version: '7.5.3735.47', majorVersion: 7, os: 'Windows', osVersion: '11' },
    ],
    [
      'Brave, whose agent is Chrome’s',
      WINDOWS_CHROME,
      {
        platform: 'Windows',
        platformVersion: '19.0.0',
        fullVersionList: [{ brand: 'Brave', version: '138.1.80.113' }, { brand: 'Chromium', version: '138.0.7204.50' }, GREASE],
      },
      { browser: 'Brave', version: '138.1.80.113', majorVersion: 138, os: 'Windows', osVersion: '11' },
    ],
    [
      'GREASE brands of every spelling name nothing',
      WINDOWS_CHROME,
      {
        fullVersionList: [
          { brand: 'Not A(Brand', version: '99.0.0.0' },
          { brand: ' Not;A Brand', version: '99' },
          { brand: 'Not_A Brand', version: '8' },
          { brand: 'Placeholder;Browser Brand', version: '99' },
        ],
      },
      { browser: 'Chrome', version: '138.0.0.0', majorVersion: 138, os: 'Windows' },
    ],
    [
      '"Unknown" platform: the agent’s OS',
      MAC_CHROME,
      { platform: 'Unknown', platformVersion: '1.0.0' },
      { browser: 'Chrome', version: '138.0.0.0', majorVersion: 138, os: 'macOS' },
    ],
    [
      'a platformVersion that is no version',
      WINDOWS_CHROME,
      { platform: 'Windows', platformVersion: 'eleven' },
      { browser: 'Chrome', version: '138.0.0.0', majorVersion: 138, os: 'Windows' },
    ],
    [
      'hints and no agent at all',
      undefined,
      { platform: 'Windows', platformVersion: '14.0.0', fullVersionList: chromeBrands('138.0.7204.50') },
      { browser: 'Chrome', version: '138.0.7204.50', majorVersion: 138, os: 'Windows', osVersion: '11' },
    ],
    [
      'control characters in hints, cleaned as in agents',
      WINDOWS_CHROME,
      {
        platform: 'Windows\u0000',
        platformVersion: '19.0.0',
        model: '\u001b[31mX',
        fullVersionList: [{ brand: 'Google\u0007 Chrome', version: '138.0.7204.50\n' }],
      },
      { browser: 'Chrome', version: '138.0.7204.50', majorVersion: 138, os: 'Windows', osVersion: '11', model: '[31mX' },
    ],
  ];
  for (const [name, agent, hints, expected] of table) {
    it(name, () => {
      const described = describeAgent(agent, 'the reported platform', hints);
      assert.deepStrictEqual({ ...described }, expected);
      assert.ok(Object.isFrozen(described));
    });
  }

  it('answers the one shared object for the same hints, another for other hints, and ignores empty hints', () => {
    const hints = { platform: 'Windows', platformVersion: '19.0.0', fullVersionList: chromeBrands('138.0.7204.50') };
    const a = describeAgent(WINDOWS_CHROME, undefined, hints);
    assert.equal(describeAgent(WINDOWS_CHROME, undefined, structuredClone(hints)), a);
    // Another GREASE brand (each Chrome major picks one) is the same browser.
    assert.equal(
      describeAgent(WINDOWS_CHROME, undefined, {
        ...hints,
        fullVersionList: [{ brand: 'Not-A.Brand', version: '24' }, ...hints.fullVersionList.slice(1)],
      }),
      a,
    );
    assert.notEqual(describeAgent(WINDOWS_CHROME, undefined, { ...hints, platformVersion: '10.0.0' }), a);
    assert.equal(describeAgent(WINDOWS_CHROME, undefined, {}), describeAgent(WINDOWS_CHROME));
    assert.equal(describeAgent(WINDOWS_CHROME, undefined, { platform: '', fullVersionList: [GREASE] }), describeAgent(WINDOWS_CHROME));
  });

  it('reads only so much of huge hints', () => {
    const huge = 'x'.repeat(1_000_000);
    const started = performance.now();
    const described = describeAgent(WINDOWS_CHROME, undefined, {
      platform: huge,
      platformVersion: `19${huge}`,
      model: huge,
      fullVersionList: Array.from({ length: 10_000 }, (_, i) => ({ brand: `${huge}${i}`, version: huge })),
    });
    assert.ok(performance.now() - started < 1_000, 'bounded');
    assert.ok(described.browser.length <= 128 && described.os.length <= 128 && (described.model?.length ?? 0) <= 128);
    assert.ok(described.version.length <= 64);
  });
});

describe('reduced user agents without hints', () => {
  // The OS version a reduced agent shows is every version's: none is named rather than a wrong one.
  const cases: [string, string, string, string | undefined][] = [
    ['"Windows NT 10.0" is Windows 10 or 11', WINDOWS_CHROME, 'Windows', undefined],
    [
      '"Windows NT 6.1" is Windows 7',
      'Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36',
      'Windows',
      '7',
    ],
    ['"Mac OS X 10_15_7" is any macOS since 2020', MAC_CHROME, 'macOS', undefined],
    [
      'Firefox\'s "Mac OS X 10.15" likewise',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:140.0) Gecko/20100101 Firefox/140.0',
      'macOS',
      undefined,
    ],
    ['"Mac OS X 10_16_0" (Chrome 87 on Big Sur) is macOS 11 or later', MAC_CHROME.replace('10_15_7', '10_16_0'), 'macOS', undefined],
    [
      '"Mac OS X 10_14_6" is what it says',
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.1.2 Safari/605.1.15',
      'macOS',
      '10.14.6',
    ],
    ['"Android 10; K" is any Android', ANDROID_CHROME, 'Android', undefined],
    [
      '"Android 14; Pixel 8" is Android 14',
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
      'Android',
      '14',
    ],
    [
      'Safari on iOS 26 says "iPhone OS 18_6"; its Version/ is the OS',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1',
      'iOS',
      '26.0',
    ],
    [
      'Safari 18.6 on iOS 18.6 is iOS 18.6',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1',
      'iOS',
      '18.6',
    ],
    [
      '"iPhone OS 18_7" without Version/ is 18.7 or 26',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/139.0.7258.76 Mobile/15E148 Safari/604.1',
      'iOS',
      undefined,
    ],
  ];
  for (const [name, agent, os, osVersion] of cases) {
    it(name, () => {
      const described = describeAgent(agent);
      assert.equal(described.os, os);
      assert.equal(described.osVersion, osVersion);
      assert.equal('osVersion' in described, osVersion !== undefined, 'absent, not undefined');
    });
  }
});

describe('sessions parse their agent once', () => {
  it('when they open, and again only when the agent or platform changes', () => {
    const facts = sessionFactsFromOpen(openBody({ userAgent: CHROME_LINUX }), { kind: 'ingest' });
    assert.deepEqual(facts.agent, { browser: 'Chrome', version: '134.0.0.0', majorVersion: 134, os: 'Linux' });

    const session = makeSession({ ...facts });
    const viewed = applyUpdate(session, { view: { m: 'a', v: 'b', t: 'c|d' } }, { kind: 'ingest' });
    assert.equal(viewed.agent, session.agent, 'untouched by other changes');

    const moved = applyUpdate(session, { userAgent: 'curl/8.5.0' }, { kind: 'ingest' });
    assert.deepEqual(moved.agent, { browser: 'curl', version: '8.5.0', majorVersion: 8, os: 'Windows 11 (x64)' });

    const noAgent = makeSession({ ...sessionFactsFromOpen(openBody({ userAgent: undefined }), { kind: 'ingest' }) });
    const replatformed = applyUpdate(noAgent, { platform: { id: 'mac', name: 'macOS 15' } }, { kind: 'ingest' });
    assert.equal(replatformed.agent?.os, 'macOS 15');
  });
});

describe('sessions keep their client hints', () => {
  const hints = { platform: 'Windows', platformVersion: '19.0.0', fullVersionList: chromeBrands('138.0.7204.50') };
  const ingest = { kind: 'ingest' } as const;

  it('open with them: the agent prefers them, and the session holds one shared frozen copy in the model’s key order', () => {
    const facts = sessionFactsFromOpen(openBody({ userAgent: WINDOWS_CHROME, clientHints: hints }), ingest);
    assert.deepEqual(facts.agent, { browser: 'Chrome', version: '138.0.7204.50', majorVersion: 138, os: 'Windows', osVersion: '11' });
    assert.deepStrictEqual(facts.clientHints, hints);
    assert.ok(Object.isFrozen(facts.clientHints) && Object.isFrozen(facts.clientHints!.fullVersionList));
    const reordered = { fullVersionList: structuredClone(hints.fullVersionList), platformVersion: '19.0.0', platform: 'Windows' };
    const again = sessionFactsFromOpen(openBody({ userAgent: WINDOWS_CHROME, clientHints: reordered }), ingest);
    assert.equal(again.clientHints, facts.clientHints);
    assert.deepEqual(Object.keys(again.clientHints!), ['platform', 'platformVersion', 'fullVersionList']);
    // Every session has the key, in one place (session-input.ts): between the agent and what it parses to.
    const keys = Object.keys(facts);
    assert.deepEqual(keys.slice(keys.indexOf('userAgent'), keys.indexOf('agent') + 1), ['userAgent', 'clientHints', 'agent']);
    assert.equal(sessionFactsFromOpen(openBody(), ingest).clientHints, undefined);
  });

  it('take new hints whole from an update, and drop them for another agent that brings none', () => {
    const session = makeSession({ ...sessionFactsFromOpen(openBody({ userAgent: WINDOWS_CHROME, clientHints: hints }), ingest) });
    const windows10 = applyUpdate(session, { clientHints: { platform: 'Windows', platformVersion: '10.0.0' } }, ingest);
    assert.deepStrictEqual(windows10.clientHints, { platform: 'Windows', platformVersion: '10.0.0' }, 'replaced, not merged');
    assert.deepEqual(windows10.agent, { browser: 'Chrome', version: '138.0.0.0', majorVersion: 138, os: 'Windows', osVersion: '10' });

    assert.equal(applyUpdate(session, { idle: true }, ingest).agent, session.agent, 'untouched by other changes');
    const sameAgent = applyUpdate(session, { userAgent: WINDOWS_CHROME }, ingest);
    assert.equal(sameAgent.clientHints, session.clientHints, 'the same agent again: the same browser');
    assert.equal(sameAgent.agent, session.agent);

    const curl = applyUpdate(session, { userAgent: 'curl/8.5.0' }, ingest);
    assert.equal(curl.clientHints, undefined, 'another browser: the old hints do not describe it');
    assert.deepEqual(curl.agent, { browser: 'curl', version: '8.5.0', majorVersion: 8, os: 'Windows 11 (x64)' });
    const both = applyUpdate(session, { userAgent: MAC_CHROME, clientHints: { platform: 'macOS', platformVersion: '15.5.0' } }, ingest);
    assert.deepEqual(both.agent, { browser: 'Chrome', version: '138.0.0.0', majorVersion: 138, os: 'macOS', osVersion: '15.5' });
  });
});

describe('agentNames', () => {
  it('names the browser with its major version and the OS with its version, as people say them', () => {
    const cases: [SessionAgent | undefined, ReturnType<typeof agentNames>][] = [
      [
        { browser: 'Chrome', version: '134.0.6998.89', majorVersion: 134, os: 'Windows', osVersion: '11' },
        { browser: 'Chrome 134', os: 'Windows 11' },
      ],
      [
        { browser: 'Safari', version: '17.5', majorVersion: 17, os: 'macOS', osVersion: '14.5' },
        { browser: 'Safari 17', os: 'macOS 14.5' },
      ],
      [
        { browser: 'Chrome', version: '134.0.0.0', majorVersion: 134, os: 'Windows' },
        { browser: 'Chrome 134', os: 'Windows' },
      ],
      [{ browser: 'Googlebot', version: '', majorVersion: 0, os: 'Unknown' }, { browser: 'Googlebot' }],
      [{ browser: 'Unknown', version: '', majorVersion: 0, os: 'Windows 11 (x64)' }, { os: 'Windows 11 (x64)' }],
      [{ browser: 'Unknown', version: '', majorVersion: 0, os: 'Unknown' }, undefined],
      [undefined, undefined],
    ];
    for (const [agent, names] of cases) assert.deepStrictEqual(agentNames(agent), names, JSON.stringify(agent));
  });

  it('names what a session parsed from its agent and client hints', () => {
    const hints = { platform: 'Windows', platformVersion: '19.0.0', fullVersionList: chromeBrands('138.0.7204.50') };
    const session = makeSession({
      ...sessionFactsFromOpen(openBody({ userAgent: WINDOWS_CHROME, clientHints: hints }), { kind: 'ingest' }),
    });
    assert.deepStrictEqual(agentNames(session.agent), { browser: 'Chrome 138', os: 'Windows 11' });
  });
});
