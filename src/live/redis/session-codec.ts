// Sessions and changes as the Redis store keeps and streams them: compact JSON (about 430 bytes of
// Redis memory a session, measured, against 1.6 kB as a HASH of fields). A session is stored as `<version>:<json>` so a script
// checks the version of a compare-and-set by its prefix, without decoding the JSON.
//
// A session read back deep-equals the one written, minus `version` (kept beside it): the core gives
// every session all of its keys, absent ones as undefined, in one order (session-input.ts), and
// JSON.stringify would drop those keys. They are written as null and read back as undefined (no
// Session field ever holds null), so a decoded session keeps its keys and their order, and sessions
// decoded alike share one object layout. Nested objects carry no undefined keys.
import { internClientType, internPlatform, internUserAgent, internView, internWord } from '../../core/interning.ts';
import type { PresenceChange, Session } from '../../core/model.ts';
import { describeAgent } from '../../core/user-agent.ts';

/** The session's top-level keys, undefined values as null; without `version` unless asked. */
function flattened(session: Session, keepVersion: boolean): Record<string, unknown> {
  const flat: Record<string, unknown> = {};
  for (const key of Object.keys(session) as (keyof Session)[]) {
    if (key === 'version' && !keepVersion) continue;
    const value = session[key];
    flat[key] = value === undefined ? null : value;
  }
  return flat;
}

/** The session as its JSON is stored (its version is not in it: the store keeps it beside). */
export const encodeSession = (session: Session): string => JSON.stringify(flattened(session, false));

/** A change as announce() streams it. */
export function encodeChange(change: PresenceChange): string {
  return JSON.stringify('session' in change ? { ...change, session: flattened(change.session, true) } : change);
}

/**
 * Turns parsed session JSON back into a Session: nulls to undefined, and the strings that repeat
 * across sessions (agents, platforms, user types, views) to shared copies, as session-input.ts does
 * for sessions made on this node: a replica of a million sessions would otherwise hold a million
 * copies of each user agent.
 */
function restoreSession(parsed: Record<string, unknown>): Session {
  for (const key of Object.keys(parsed)) if (parsed[key] === null) parsed[key] = undefined;
  const session = parsed as unknown as Session;
  session.clientType = internClientType(session.clientType);
  session.user.type = internWord(session.user.type);
  // Only keys that are there are assigned: an absent key stays absent.
  if (session.platform !== undefined) session.platform = internPlatform(session.platform);
  if (session.userAgent !== undefined) session.userAgent = internUserAgent(session.userAgent);
  if (session.view !== undefined) session.view = internView(session.view);
  if (session.representative !== undefined) session.representative.type = internWord(session.representative.type);
  // The agent follows from the user agent and platform (as the core made it): the shared frozen object
  // every session of the same agent holds, instead of a copy per session.
  if (session.agent !== undefined) session.agent = describeAgent(session.userAgent, session.platform?.name);
  return session;
}

export function decodeSession(json: string, version: number): Session {
  const session = restoreSession(JSON.parse(json) as Record<string, unknown>);
  session.version = version;
  return session;
}

/** A stored `<version>:<json>`. */
export function decodeStored(stored: string): Session {
  const colon = stored.indexOf(':');
  return decodeSession(stored.slice(colon + 1), Number(stored.slice(0, colon)));
}

export function decodeChange(json: string): PresenceChange {
  const change = JSON.parse(json) as PresenceChange & { session?: Record<string, unknown> };
  if (change.session) (change as { session: Session }).session = restoreSession(change.session);
  return change;
}
