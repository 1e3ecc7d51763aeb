// The Redis store's session encoding: every session the core can make reads back equal, with every
// key in the core's order; what sessions share goes into a profile kept once; the stored form is
// compact (it sets Redis's memory per session).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Session } from '../../src/core/model.ts';
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
  'id', 'user', 'clientType', 'transport', 'hostname', 'platform', 'timezoneOffset', 'userAgent', 'agent', 'privateIp',
  'remoteAddress', 'idle', 'view', 'representative', 'customer', 'startedAt', 'lastActivityAt', 'expiresAt', 'lifetimeMs',
  'nodeId', 'nodeRole', 'connections', 'events', 'resumeSecretHash', 'detached', 'version',
] as const;

/** Encodes and decodes, as a stream entry carries a session (profile and array). */
function roundTrip(session: Session, version: number): Session {
  const { profile, array } = encodeSession(session);
  return decodeSession(profile, array, version);
}

/** A golden session as the core would hold it: every key, absent ones undefined; the agent its user agent's. */
function coreShaped(golden: Session): Session {
  const session = Object.fromEntries(SESSION_KEYS.map((key) => [key, golden[key]])) as unknown as Session;
  session.agent = describeAgent(session.userAgent, session.platform?.name);
  // The core leaves these absent rather than empty (model.ts: sessionConnections, sessionEvents).
  if (session.connections?.length === 0) session.connections = undefined;
  if (session.events?.length === 0) session.events = undefined;
  return session;
}

describe('Redis session codec', () => {
  const sessions = goldenSessions().map(coreShaped);

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
    for (const changed of [{ userAgent: 'curl/8.5.0' }, { platform: { id: 'mac', name: 'macOS' } }, { nodeId: 'node-x' }, { nodeRole: 'traffic' as const }]) {
      assert.notEqual(encodeSession({ ...base, ...changed }).profileRef, encodeSession(base).profileRef, JSON.stringify(changed));
    }
  });

  it('gives sessions of one agent the one shared agent object and interned strings', () => {
    const a = roundTrip(sessions[0]!, 1);
    const b = roundTrip(sessions[0]!, 2);
    assert.equal(a.agent, b.agent);
    assert.equal(a.platform, b.platform);
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
    const lost = { id: 7, user: { id: 'u', name: 'u', type: '' }, clientType: 'web', transport: 'http', hostname: undefined } as unknown as Session;
    const change = { type: 'session.ended' as const, at: 5, session: lost, reason: 'node_lost' as const };
    assert.deepStrictEqual(decodeChange(encodeChange(change)), change);
  });
});
