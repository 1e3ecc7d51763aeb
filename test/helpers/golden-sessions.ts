// A fixed set of sessions for byte-identity tests of the query answers: every client type, every
// optional field present and absent, several sessions per user, connections and event logs of every
// length up to past the limit, and client strings a careless writer gets wrong (markup, quotes,
// controls, line breaks, half surrogate pairs, non-characters, non-ASCII). Times are fixed, so an
// answer rendered from these sessions is the same bytes on every run; test/**/golden/ keeps answers
// rendered by the code before the fragment caches, which today's answers must equal byte for byte.
import type { ClientType, Session, SessionEvent, UserPresence } from '../../src/core/model.ts';
import { makeSession } from './sessions.ts';

/** 2024-03-05T06:07:08.900Z: whole seconds are not whole milliseconds. */
export const GOLDEN_NOW = 1_709_618_828_900;

const HOSTILE = `<a href="x">Tom & Jerry's</a> ]]> \u0000\u0007\u0085\tline\nbreak\r\n\ud800 😀 \ufffe é漢`;
/** User ids go into URLs (Clientexec's links): one with half a surrogate pair cannot be URL-encoded. */
const HOSTILE_ID = HOSTILE.replace('\ud800', '');
const TYPES: readonly ClientType[] = ['representative', 'support_customer', 'presentation_attendee', 'push_agent', 'web'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.3; rv:123.0) Gecko/20100101 Firefox/123.0',
  'curl/8.5.0',
];

function events(count: number, start: number, nodeId: string): SessionEvent[] {
  return Array.from({ length: count }, (_, n) => ({
    at: start + n * 1_499,
    kind: n % 3 === 0 ? 'connected' : n % 3 === 1 ? 'disconnected' : 'resumed',
    text: n % 5 === 4 ? `Disconnected from node ${nodeId}: ${HOSTILE}` : `Connected to node ${nodeId} as master`,
  }));
}

/** 25 sessions of 12 users, in id order. */
export function goldenSessions(): Session[] {
  return Array.from({ length: 25 }, (_, i) => {
    const clientType = TYPES[i % TYPES.length]!;
    const startedAt = GOLDEN_NOW - 3_600_000 + i * 61_234;
    const hostile = i % 4 === 3;
    const nodeId = i % 6 === 5 ? 'node-b' : 'a3c5e7f9-0000-4000-8000-000000000001';
    const userNumber = i % 12;
    return makeSession({
      id: 1000 + i * 7,
      user: {
        id: userNumber % 5 === 0 ? `${userNumber}` : `user-${userNumber}${hostile ? HOSTILE_ID : ''}`,
        name: hostile ? `Name ${HOSTILE}` : `Näme ${userNumber}`,
        type: userNumber % 3 === 0 ? 'staff' : userNumber % 3 === 1 ? 'customer' : 'system',
        ...(userNumber % 2 === 0 && { email: `u${userNumber}@example.com` }),
        ...(userNumber % 4 === 1 && { username: hostile ? `login ${HOSTILE}` : `login${userNumber}` }),
        ...(userNumber % 4 === 2 && { publicDisplayName: `Public ${userNumber}`, privateDisplayName: `Private ${HOSTILE}` }),
      },
      clientType,
      transport: i % 2 === 0 ? 'http' : 'websocket',
      ...(i % 5 !== 4 && { hostname: hostile ? `host ${HOSTILE}` : `host-${i}.corp.example.com` }),
      ...(i % 3 !== 2 && {
        platform: { id: hostile ? `id ${HOSTILE}` : 'winNT-64', name: i % 2 ? 'Windows 11 (x64)' : `Linux ${HOSTILE}` },
      }),
      ...(i % 4 !== 0 && { timezoneOffset: (i - 12) * 1_800 }),
      ...(i % 3 === 0 && { userAgent: hostile ? `${AGENTS[i % 3]} ${HOSTILE}` : AGENTS[i % 3]! }),
      ...(i % 3 === 0 && { agent: { browser: i % 2 ? 'Firefox' : 'Chrome', version: '123.0', majorVersion: 123, os: 'Windows' } }),
      ...(i % 2 === 1 && { privateIp: `10.0.0.${i}` }),
      remoteAddress: i % 4 === 1 ? `::ffff:192.0.2.${i}` : i % 4 === 2 ? '2001:db8::1' : `198.51.100.${i}`,
      idle: i % 3 === 1,
      detached: i % 7 === 6,
      ...(i % 2 === 0 && { view: { m: 'support', v: hostile ? `v ${HOSTILE}` : 'getticket', t: `ticketid|${i}` } }),
      ...(clientType === 'representative' && {
        representative: {
          type: i % 2 ? 'Embassy' : 'Normal',
          ...(i % 3 !== 0 && { startSessionUrl: `https://support.example.com/?rep=${i}&a="b"` }),
          ...(i % 2 === 0 && { directLink: hostile ? `https://x/${HOSTILE}` : `https://support.example.com/rep/${i}` }),
          presentationCount: i % 2,
          supportSessionCount: i,
          showingOnRepList: i % 3 !== 1,
          routingIdle: i % 2 === 0,
          routingBusy: i % 3 === 0,
          routingEnabled: true,
          routingAvailable: i % 4 !== 1,
          ...(i % 2 === 1 && { supportLicense: `license ${HOSTILE}` }),
          supportSessionLsids: Array.from({ length: i % 3 }, (_, n) => `lsid-${i}-${n}`),
        },
      }),
      ...(clientType === 'support_customer' && {
        customer: { lsid: `lsid-${i}${hostile ? HOSTILE : ''}`, ...(i % 2 === 1 && { nonInteractive: 'rdp' as const }) },
      }),
      startedAt,
      lastActivityAt: startedAt + 600_000 + i * 999,
      expiresAt: startedAt + 900_000,
      nodeId,
      connections: Array.from({ length: i % 3 }, (_, n) => ({
        nodeId: n === 0 ? nodeId : 'a3c5e7f9-0000-4000-8000-000000000002',
        purpose: n === 0 ? ('master' as const) : ('traffic' as const),
        receiveTrafficNode: n === 1,
        connectedSince: startedAt + n * 1_001,
        ...(n === 0 && i % 2 === 0 && { privateIp: `192.168.1.${i}` }),
      })),
      events: events([0, 1, 3, 20, 23][i % 5]!, startedAt, nodeId),
    });
  });
}

/**
 * The golden sessions as users, the way the core groups them (users in order of their first session;
 * last seen and last view from their latest activity), then three offline users, most recent first.
 */
export function goldenUsers(): UserPresence[] {
  const byUser = new Map<string, Session[]>();
  for (const session of goldenSessions()) byUser.set(session.user.id, [...(byUser.get(session.user.id) ?? []), session]);
  const online = [...byUser.values()].map((sessions): UserPresence => {
    const latest = sessions.reduce((a, b) => (b.lastActivityAt > a.lastActivityAt ? b : a));
    const withView = sessions.filter((s) => s.view).sort((a, b) => b.lastActivityAt - a.lastActivityAt)[0];
    return {
      user: latest.user,
      lastSeenAt: latest.lastActivityAt,
      ...(withView?.view && { lastView: withView.view }),
      online: true,
      sessions,
    };
  });
  const offline = [0, 1, 2].map(
    (n): UserPresence => ({
      user: {
        id: `gone-${n}`,
        name: `Gone ${n} ${n === 1 ? HOSTILE : ''}`,
        type: n === 2 ? 'staff' : 'customer',
        ...(n === 0 && { email: 'gone@example.com' }),
      },
      lastSeenAt: GOLDEN_NOW - (n + 1) * 3_700_000,
      ...(n !== 2 && { lastView: { m: 'kb', v: 'article', t: `id|${n}` } }),
      online: false,
      sessions: [],
    }),
  );
  return [...online, ...offline];
}
