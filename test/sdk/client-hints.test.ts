// The SDK's client hints: what it takes from navigator.userAgentData's answer, and when a hello carries
// them. The browser's side is stubbed here (a navigator with userAgentData) against a real `ws` server
// playing rollcall's part; test/sdk/browser.test.ts does the same in a real Chromium.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { WebSocket as WsWebSocket } from 'ws';
import { LIMITS } from '../../src/core/input-schemas.ts';
import { HIGH_ENTROPY_HINTS, requestClientHints, toClientHints } from '../../packages/client/src/client-hints.ts';
import { RollcallClient, type RollcallClientOptions } from '../../packages/client/src/index.ts';
import { TrackingClock } from './fake-clock.ts';
import { FakeServer } from './fake-server.ts';

const AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36';
const BRANDS = [
  { brand: 'Not)A;Brand', version: '8.0.0.0' },
  { brand: 'Chromium', version: '138.0.7204.50' },
  { brand: 'Google Chrome', version: '138.0.7204.50' },
];
/** getHighEntropyValues' answer in Chrome 138 on Windows 11, low-entropy values and all. */
const ANSWER = {
  architecture: 'x86',
  bitness: '64',
  brands: BRANDS.map(({ brand, version }) => ({ brand, version: version.split('.')[0] })),
  fullVersionList: BRANDS,
  mobile: false,
  model: '',
  platform: 'Windows',
  platformVersion: '19.0.0',
  wow64: false,
};
const HINTS = { platform: 'Windows', platformVersion: '19.0.0', fullVersionList: BRANDS, model: '' };

describe('toClientHints', () => {
  test('takes the values rollcall reads and nothing else (the server refuses unknown fields)', () => {
    assert.deepStrictEqual(toClientHints(ANSWER), HINTS);
  });

  test('cuts values to the contract’s limits rather than get the whole hello refused', () => {
    const long = 'x'.repeat(1_000);
    const hints = toClientHints({
      platform: long,
      platformVersion: long,
      model: long,
      fullVersionList: Array.from({ length: 40 }, () => ({ brand: long, version: long })),
    })!;
    for (const text of [
      hints.platform!,
      hints.platformVersion!,
      hints.model!,
      hints.fullVersionList![0]!.brand,
      hints.fullVersionList![0]!.version,
    ]) {
      assert.equal(text.length, LIMITS.clientHintField);
    }
    assert.equal(hints.fullVersionList!.length, LIMITS.brandsPerClientHints);
  });

  test('drops values of the wrong type, and answers nothing for nothing usable', () => {
    assert.deepStrictEqual(
      toClientHints({
        platform: 7,
        platformVersion: '14.0.0',
        fullVersionList: [null, 'x', { brand: 'A' }, { brand: 'B', version: '1' }],
        model: null,
      }),
      {
        platformVersion: '14.0.0',
        fullVersionList: [{ brand: 'B', version: '1' }],
      },
    );
    for (const nothing of [undefined, null, 'Windows', [], {}, { brands: BRANDS, mobile: true }])
      assert.equal(toClientHints(nothing), undefined);
  });
});

describe('requestClientHints', () => {
  test('asks for the high-entropy values rollcall reads', async () => {
    const asked: string[][] = [];
    const hints = await requestClientHints({
      userAgentData: { getHighEntropyValues: async (names: string[]) => (asked.push(names), ANSWER) },
    });
    assert.deepStrictEqual(asked, [[...HIGH_ENTROPY_HINTS]]);
    assert.deepStrictEqual(hints, HINTS);
  });

  test('answers nothing where there are no hints, and undefined when the browser refuses', async () => {
    assert.equal(requestClientHints(undefined), undefined, 'Node');
    assert.equal(requestClientHints({ userAgent: 'Firefox' }), undefined, 'Firefox, Safari');
    assert.equal(
      await requestClientHints({ userAgentData: { getHighEntropyValues: () => Promise.reject(new Error('NotAllowedError')) } }),
      undefined,
    );
    const throwing = {
      getHighEntropyValues: () => {
        throw new TypeError('Illegal invocation');
      },
    };
    assert.equal(requestClientHints({ userAgentData: throwing }), undefined);
  });
});

describe('a hello with client hints', () => {
  let server: FakeServer;
  let client: RollcallClient | undefined;
  const original = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  let asked = 0;

  /** A browser's navigator whose getHighEntropyValues answers with `answer` (a promise or a value). */
  function browser(answer: () => Promise<unknown>): void {
    asked = 0;
    const userAgentData = {
      getHighEntropyValues: () => {
        asked++;
        return answer();
      },
    };
    Object.defineProperty(globalThis, 'navigator', { value: { userAgent: AGENT, userAgentData }, configurable: true, writable: true });
  }

  function connect(options: Partial<RollcallClientOptions> = {}): RollcallClient {
    client = new RollcallClient({
      url: server.url,
      token: 'token-1',
      WebSocket: WsWebSocket,
      idleDetection: false,
      clock: new TrackingClock(),
      ...options,
    });
    void client.connect();
    return client;
  }

  beforeEach(async () => {
    server = await FakeServer.start();
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    if (original) Object.defineProperty(globalThis, 'navigator', original);
    else delete (globalThis as { navigator?: unknown }).navigator;
    await server.close();
  });

  test('carries the browser’s hints beside its user agent, waiting for them as for the token', async () => {
    // Later than the socket would open: the hello must wait for them, not race them.
    browser(() => new Promise((resolve) => setTimeout(() => resolve(ANSWER), 100)));
    connect();
    const hello = await (await server.nextConnection()).next('hello');
    const { timezoneOffset, ...session } = hello.session as Record<string, unknown>;
    assert.equal(typeof timezoneOffset, 'number');
    assert.deepStrictEqual(session, { clientType: 'web', userAgent: AGENT, idle: false, clientHints: HINTS });
    assert.equal(asked, 1);
  });

  test('goes without them when the browser refuses', async () => {
    browser(() => Promise.reject(new Error('NotAllowedError')));
    connect();
    const hello = await (await server.nextConnection()).next('hello');
    assert.equal((hello.session as { clientHints?: unknown }).clientHints, undefined);
    assert.equal((hello.session as { userAgent?: string }).userAgent, AGENT);
  });

  test('does not wait long for slow hints, and sends them in an update once they come', async () => {
    let resolve!: (value: unknown) => void;
    browser(() => new Promise((r) => (resolve = r)));
    const started = performance.now();
    connect();
    const conn = await server.nextConnection();
    const hello = await conn.next('hello');
    assert.ok(performance.now() - started < 2_000, 'the hello waited at most about half a second');
    assert.equal((hello.session as { clientHints?: unknown }).clientHints, undefined);
    conn.welcome(1, 'rt-1');
    await client!.connect();
    resolve(ANSWER);
    const update = await conn.next('update');
    assert.deepStrictEqual(update, { type: 'update', clientHints: HINTS });
  });

  test('asks nothing when the application reports the agent or the hints itself', async () => {
    browser(async () => ANSWER);
    connect({ session: { userAgent: 'MyApp/1.0' } });
    const hello = await (await server.nextConnection()).next('hello');
    assert.deepStrictEqual(
      [(hello.session as { userAgent?: string }).userAgent, (hello.session as { clientHints?: unknown }).clientHints],
      ['MyApp/1.0', undefined],
    );
    await client!.close();

    const own = { platform: 'macOS', platformVersion: '15.5.0' };
    connect({ session: { clientHints: own } });
    const second = await (await server.nextConnection()).next('hello');
    assert.deepStrictEqual((second.session as { clientHints?: unknown }).clientHints, own);
    assert.equal(asked, 0);
  });
});
