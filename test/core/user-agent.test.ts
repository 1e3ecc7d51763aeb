// describeAgent: what the dialects show of a user agent, parsed once per session with bowser. Real
// browsers, bots and tools, no agent at all (the reported platform stands in), garbage, huge and absurd
// agents, the shared frozen objects of the cache and its bound, and when sessions parse.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeAgent } from '../../src/core/user-agent.ts';
import { applyUpdate, sessionFactsFromOpen } from '../../src/core/session-input.ts';
import { makeSession, openBody } from '../helpers/sessions.ts';

const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36';

describe('describeAgent', () => {
  const cases: [string, string | undefined, string | undefined, [string, string, number, string]][] = [
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
      ['Safari', '17.4', 17, 'iOS'],
    ],
    ['Firefox on Linux', 'Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0', undefined, ['Firefox', '130.0', 130, 'Linux']],
    [
      'Chrome on Android',
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
      'ignored when the agent names an OS',
      ['Chrome', '124.0.0.0', 124, 'Android'],
    ],
    ['a known bot', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', undefined, ['Googlebot', '2.1', 2, 'Unknown']],
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
  for (const [name, agent, platform, [browser, version, majorVersion, os]] of cases) {
    it(name, () => {
      const described = describeAgent(agent, platform);
      assert.deepEqual(described, { browser, version, majorVersion, os });
      assert.deepEqual(Object.keys(described), ['browser', 'version', 'majorVersion', 'os']);
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
