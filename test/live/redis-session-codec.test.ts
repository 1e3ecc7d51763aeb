// The Redis store's session encoding: every session the core can make reads back equal, with every
// key in the core's order; what sessions share (client hints included) goes into a profile kept once;
// the stored form is compact (it sets Redis's memory per session).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { internClientHints } from '../../src/core/interning.ts';
import type { ClientHints, Session } from '../../src/core/model.ts';
import { describeAgent } from '../../src/core/user-agent.ts';
import {
  decodeChange,
  decodeSession,
  decodeStored,
  encodeChange,
  encodeSession,
  storedForm,
  storedProfileRef,
} from '../../src/live/redis/session-codec.ts';
import { goldenSessions } from '../helpers/golden-sessions.ts';

/** The keys of a session, in the order the core creates them (presence-service.ts). */
const SESSION_KEYS = [
  'id',
  'user',
  'clientType',
  'transport',
  'hostname',
  'platform',
  'timezoneOffset',
  'userAgent',
  'clientHints',
  'agent',
  'privateIp',
  'remoteAddress',
  'idle',
  'view',
  'places',
  'representative',
  'customer',
  'startedAt',
  'lastActivityAt',
  'expiresAt',
  'lifetimeMs',
  'nodeId',
  'nodeRole',
  'connections',
  'events',
  'resumeSecretHash',
  'detached',
  'version',
] as const;

/** Encodes and decodes, as a stream entry carries a session (profile and array). */
function roundTrip(session: Session, version: number): Session {
  const { profile, array } = encodeSession(session);
  return decodeSession(profile, array, version);
}

const GREASE = { brand: 'Not)A;Brand', version: '8.0.0.0' };
/** Hints as browsers send them, whole and in part, with strings JSON must escape. */
const HINTS: ClientHints[] = [
  {
    platform: 'Windows',
    platformVersion: '19.0.0',
    fullVersionList: [GREASE, { brand: 'Chromium', version: '138.0.7204.50' }, { brand: 'Google Chrome', version: '138.0.7204.50' }],
    model: '',
  },
  { platform: 'Android', platformVersion: '14.0.0', model: 'Pixel "8" \\ <Pro>\nline \ud800' },
  { fullVersionList: [{ brand: 'Microsoft Edge', version: '138.0.3351.55' }] },
  { platform: 'macOS' },
];

/**
 * A golden session as the core would hold it: every key, absent ones undefined; every other one with client
 * hints, interned as the core interns them; the agent its user agent's and hints'.
 */
function coreShaped(golden: Session, index: number): Session {
  const session = Object.fromEntries(SESSION_KEYS.map((key) => [key, golden[key]])) as unknown as Session;
  session.clientHints = index % 2 === 1 ? internClientHints(HINTS[((index - 1) / 2) % HINTS.length]) : undefined;
  session.agent = describeAgent(session.userAgent, session.platform?.name, session.clientHints);
  // The core leaves these absent rather than empty (model.ts: sessionConnections, sessionEvents).
  if (session.connections?.length === 0) session.connections = undefined;
  if (session.events?.length === 0) session.events = undefined;
  return session;
}

describe('Redis session codec', () => {
  const sessions = goldenSessions().map(coreShaped);
  const withHints = sessions.filter((s) => s.clientHints);
  const withoutHints = sessions.filter((s) => !s.clientHints);

  it('reads back every session equal, keys in the core order, version from beside the array', () => {
    for (const session of sessions) {
      const read = roundTrip(session, 41);
      assert.deepStrictEqual(read, { ...session, version: 41 });
      assert.deepStrictEqual(Object.keys(read), [...SESSION_KEYS]);
    }
  });

  it('reads a stored `<version>:<lastActivityAt>:<profile ref>:<array>`, the clock from the prefix (heartbeats move only it)', () => {
    const session = sessions[3]!;
    const encoded = encodeSession(session);
    const heartbeat = session.lastActivityAt + 30_000;
    const stored = storedForm(987, heartbeat, encoded);
    assert.equal(storedProfileRef(stored), encoded.profileRef);
    assert.deepStrictEqual(decodeStored(stored, encoded.profile), { ...session, lastActivityAt: heartbeat, version: 987 });
  });

  it('gives sessions of one user agent, platform and node one profile, and any other difference another', () => {
    const base = sessions[0]!;
    const other = { ...base, id: base.id + 1, user: { ...base.user, id: 'someone else' }, view: { m: 'x', v: 'y', t: 'z|1' } };
    assert.equal(encodeSession(other).profileRef, encodeSession(base).profileRef);
    for (const changed of [
      { userAgent: 'curl/8.5.0' },
      { platform: { id: 'mac', name: 'macOS' } },
      { nodeId: 'node-x' },
      { nodeRole: 'traffic' as const },
    ]) {
      assert.notEqual(encodeSession({ ...base, ...changed }).profileRef, encodeSession(base).profileRef, JSON.stringify(changed));
    }
  });

  it('gives sessions of one agent the one shared agent object and interned strings', () => {
    const a = roundTrip(sessions[0]!, 1);
    const b = roundTrip(sessions[0]!, 2);
    assert.equal(a.agent, b.agent);
    assert.equal(a.platform, b.platform);
  });

  it('keeps client hints in the profile, whole or in part, and nowhere else', () => {
    assert.ok(withHints.some((s) => s.userAgent) && withHints.length >= HINTS.length, 'hints with and without an agent');
    for (const session of withHints) {
      const { profile, array } = encodeSession(session);
      const hints = session.clientHints!;
      // The profile's last position: [platform, platformVersion, [[brand, version], …], model], trailing absences left out.
      const expected: unknown[] = [
        hints.platform ?? null,
        hints.platformVersion ?? null,
        hints.fullVersionList?.map((b) => [b.brand, b.version]) ?? null,
        hints.model ?? null,
      ];
      while (expected.at(-1) === null) expected.pop();
      assert.deepStrictEqual((JSON.parse(profile) as unknown[])[4], expected);
      assert.ok(
        !array.includes(JSON.stringify(hints.platformVersion ?? hints.fullVersionList?.[0]?.version ?? hints.platform)),
        'not in the array',
      );
      const read = roundTrip(session, 3);
      assert.equal(read.clientHints, session.clientHints, 'the one interned hints object');
      assert.ok(Object.isFrozen(read.clientHints));
      if (read.clientHints!.fullVersionList) assert.ok(Object.isFrozen(read.clientHints!.fullVersionList));
    }
  });

  it('leaves the profile of a session without hints as it was before hints were kept', () => {
    for (const session of withoutHints) {
      const profile = JSON.parse(encodeSession(session).profile) as unknown[];
      assert.equal(profile.length, 4, 'user agent, platform, node, role: a profile Redis already holds keeps its ref');
    }
    const session = withoutHints.find((s) => s.userAgent && s.platform && s.nodeRole === 'master')!;
    assert.equal(
      encodeSession(session).profile,
      JSON.stringify([session.userAgent, [session.platform!.id, session.platform!.name], session.nodeId, 0]),
    );
  });

  it('gives sessions of one agent and the same hints one profile, and other hints another', () => {
    const base = { ...sessions[0]!, clientHints: internClientHints(HINTS[0]) };
    // The same hints in another key order, as another body may carry them: interned to the same object.
    const reordered = internClientHints({
      model: '',
      fullVersionList: HINTS[0]!.fullVersionList,
      platformVersion: '19.0.0',
      platform: 'Windows',
    });
    assert.equal(reordered, base.clientHints);
    assert.equal(encodeSession({ ...base, id: base.id + 1, clientHints: reordered }).profileRef, encodeSession(base).profileRef);
    const others: ClientHints[] = [
      { ...HINTS[0], platformVersion: '10.0.0' },
      { ...HINTS[0], model: 'x' },
      { ...HINTS[0], fullVersionList: [] },
      {},
    ];
    for (const hints of [...others.map(internClientHints), undefined]) {
      assert.notEqual(encodeSession({ ...base, clientHints: hints }).profileRef, encodeSession(base).profileRef, JSON.stringify(hints));
    }
  });

  it('gives a session read back the agent its hints name, not only its user agent', () => {
    const windows11 = roundTrip({ ...sessions[0]!, clientHints: internClientHints(HINTS[0]) }, 1);
    assert.equal(sessions[0]!.userAgent?.includes('Windows NT 10.0'), true);
    assert.deepStrictEqual(windows11.agent, {
      browser: 'Chrome',
      version: '138.0.7204.50',
      majorVersion: 138,
      os: 'Windows',
      osVersion: '11',
    });
    assert.equal(roundTrip(sessions[0]!, 1).agent?.osVersion, undefined, 'without hints: Windows 10 or 11');
  });

  it('keeps the places a session joined', () => {
    const session = { ...sessions[2]!, places: ['doc:42', 'queue:billing', 'ticket:105792'] };
    assert.deepStrictEqual(roundTrip(session, 3), { ...session, version: 3 });
  });

  it('keeps clocks that run backwards or far ahead (differences may be negative)', () => {
    const session = { ...sessions[1]!, lastActivityAt: sessions[1]!.startedAt - 5, expiresAt: sessions[1]!.startedAt - 1_000 };
    assert.deepStrictEqual(roundTrip(session, 1), { ...session, version: 1 });
  });

  it('stores a typical browser session in well under half of its JSON object', () => {
    const session = sessions.find((s) => s.userAgent && s.view && s.platform && !s.events)!;
    const compact = Buffer.byteLength(storedForm(1_000_000, session.lastActivityAt, encodeSession(session)));
    const plain = Buffer.byteLength(JSON.stringify(session));
    assert.ok(compact < plain / 2, `${compact} B against ${plain} B as a JSON object`);
  });

  it('refuses a value outside an enumeration rather than storing a code no node can read', () => {
    const session = { ...sessions[0]!, clientType: 'kiosk' as Session['clientType'] };
    assert.throws(() => encodeSession(session), /kiosk is not one of/);
  });

  it('streams announced changes of any shape (a session a crash left open has fewer keys)', () => {
    const lost = {
      id: 7,
      user: { id: 'u', name: 'u', type: '' },
      clientType: 'web',
      transport: 'http',
      hostname: undefined,
    } as unknown as Session;
    const change = { type: 'session.ended' as const, at: 5, session: lost, reason: 'node_lost' as const };
    assert.deepStrictEqual(decodeChange(encodeChange(change)), change);
  });
});
