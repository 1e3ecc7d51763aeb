// Motadata AIOps "Get Active Users" JSON (specs/motadata-get_active_users.txt, WIRE-FORMATS.md § 3):
// one entry per live session. Keys hold literal dots ("user.id" is one key), in the document's order
// and with its types. Built from the core's sessions, never from the stores.
import { toSeconds } from '../../api/presence-json.ts';
import type { Session } from '../../core/model.ts';
import { describeAgent } from '../../core/user-agent.ts';
import { numericId } from '../shared/numeric-id.ts';

/** The codes Motadata's document shows: MD022 for refused access, MD031 for any other failure. */
export const MD_UNAUTHORIZED = 'MD022';
export const MD_FAILED = 'MD031';
/** Word for word from the document; clients match on it. */
export const UNAUTHORIZED_MESSAGE = 'Unauthorized access: Client is not allowed to access API';

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

function activeSession(session: Session, now: number) {
  // Sessions parse their agent when they open; one kept from before that was done parses here (cached).
  const agent = session.agent ?? describeAgent(session.userAgent, session.platform?.name);
  const { user } = session;
  return {
    browser: agent.browser,
    version: agent.version,
    majorVersion: agent.majorVersion,
    userAgent: session.userAgent ?? '',
    os: agent.os,
    // A number (Motadata's ids are int64) when the id is one exactly; any other id stays a string.
    'user.id': numericId(user.id) ?? user.id,
    'last.active.timestamp': toSeconds(session.lastActivityAt),
    duration: toSeconds(Math.max(0, now - session.startedAt)),
    // Motadata shows the login name here ("admin"); the display name when the application sent none.
    'user.name': user.username ?? user.name,
    // Motadata capitalises types ("System"); rollcall's are the application's words (system, staff…).
    'user.type': user.type.charAt(0).toUpperCase() + user.type.slice(1),
    // The document types this ipv4: an IPv4 client seen on a dual-stack socket is shown as IPv4.
    'remote.address': IPV4_MAPPED.exec(session.remoteAddress)?.[1] ?? session.remoteAddress,
  };
}

export function activeUsersBody(sessions: readonly Session[], now: number) {
  return { status: 'succeed', 'response-code': 200, result: sessions.map((s) => activeSession(s, now)) };
}

/** 400 and other refusals that are not about access. */
export const failureBody = (status: number, message: string) => ({
  'response-code': status,
  status: 'fail',
  message,
  'error.code': MD_FAILED,
});

/** 403, exactly as documented (the document's 403 has no `status`). */
export const unauthorizedBody = () => ({
  'response-code': 403,
  message: UNAUTHORIZED_MESSAGE,
  'error.code': MD_UNAUTHORIZED,
});

/**
 * 500 in the document's shape (a `result` list of one). Where Motadata puts a Java stack trace in
 * `error`, rollcall puts the error id under which the server log holds the details.
 */
export const internalErrorBody = (errorId: string) => ({
  result: [
    {
      'response-code': 500,
      status: 'fail',
      message: `Internal server exception, reference ${errorId}`,
      'error.code': MD_FAILED,
      error: errorId,
    },
  ],
});
