// Motadata AIOps "Get Active Users" JSON (specs/motadata-get_active_users.txt, WIRE-FORMATS.md § 3):
// one entry per live session. Keys hold literal dots ("user.id" is one key), in the document's order
// and with its types. Built from the core's sessions, never from the stores.
//
// An entry is JSON.stringify's bytes of the object below, written from a fragment remembered per
// session snapshot (http/snapshot-memo.ts): everything but its two times, which change without a new
// snapshot (`last.active.timestamp` moves in place on heartbeats, `duration` with the clock) and are
// written per answer, between the fragment's two halves.
import { toSeconds } from '../../api/presence-json.ts';
import type { Session } from '../../core/model.ts';
import { describeAgent } from '../../core/user-agent.ts';
import { BodyWriter } from '../../http/body-writer.ts';
import { DEFAULT_SLICE_MS, forEachSliced } from '../../http/slices.ts';
import { SnapshotMemo } from '../../http/snapshot-memo.ts';
import { numericId } from '../shared/numeric-id.ts';

/** The codes Motadata's document shows: MD022 for refused access, MD031 for any other failure. */
export const MD_UNAUTHORIZED = 'MD022';
export const MD_FAILED = 'MD031';
/**
 * rollcall's own code, in Motadata's form, for a caller throttled after too many failed tokens (429,
 * with Retry-After). The document shows none for this; a client that knows only MD022 and MD031
 * still sees "status":"fail".
 */
export const MD_THROTTLED = 'MD429';
/** Word for word from the document; clients match on it. */
export const UNAUTHORIZED_MESSAGE = 'Unauthorized access: Client is not allowed to access API';

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** An entry's keys before its times. */
function entryBeforeTimes(session: Session) {
  // Sessions parse their agent when they open; one kept from before that was done parses here (cached).
  const agent = session.agent ?? describeAgent(session.userAgent, session.platform?.name);
  return {
    browser: agent.browser,
    version: agent.version,
    majorVersion: agent.majorVersion,
    userAgent: session.userAgent ?? '',
    os: agent.os,
    // A number (Motadata's ids are int64) when the id is one exactly; any other id stays a string.
    'user.id': numericId(session.user.id) ?? session.user.id,
  };
}

/** An entry's keys after its times. */
function entryAfterTimes(session: Session) {
  const { user } = session;
  return {
    // Motadata shows the login name here ("admin"); the display name when the application sent none.
    'user.name': user.username ?? user.name,
    // Motadata capitalises types ("System"); rollcall's are the application's words (system, staff…).
    'user.type': user.type.charAt(0).toUpperCase() + user.type.slice(1),
    // The document types this ipv4: an IPv4 client seen on a dual-stack socket is shown as IPv4.
    'remote.address': IPV4_MAPPED.exec(session.remoteAddress)?.[1] ?? session.remoteAddress,
  };
}

/** An entry without its times: `{…,"last.active.timestamp":` and `,"user.name":…}`. */
interface EntryFragment {
  head: Buffer;
  tail: Buffer;
}

function entryFragment(session: Session): EntryFragment {
  const before = JSON.stringify(entryBeforeTimes(session));
  const after = JSON.stringify(entryAfterTimes(session));
  return {
    head: Buffer.from(`${before.slice(0, -1)},"last.active.timestamp":`, 'utf8'),
    tail: Buffer.from(`,${after.slice(1)}`, 'utf8'),
  };
}

/** Entry fragments of earlier answers, per session snapshot. */
export type EntryFragments = SnapshotMemo<Session, EntryFragment>;

export const entryFragments = (): EntryFragments => new SnapshotMemo();

/** `{"status":"succeed","response-code":200,"result":[…]}`, one entry per session, in slices. */
export async function activeUsersAnswer(
  sessions: readonly Session[],
  now: number,
  fragments: EntryFragments,
  sliceMs = DEFAULT_SLICE_MS,
): Promise<Buffer> {
  const out = new BodyWriter();
  out.ascii('{"status":"succeed","response-code":200,"result":[');
  await forEachSliced(
    sessions.keys(),
    (i) => {
      const session = sessions[i]!;
      const fragment = fragments.get(session, entryFragment);
      if (i > 0) out.ascii(',');
      out
        .bytes(fragment.head)
        .ascii(`${toSeconds(session.lastActivityAt)},"duration":${toSeconds(Math.max(0, now - session.startedAt))}`)
        .bytes(fragment.tail);
    },
    sliceMs,
  );
  out.ascii(']}');
  return out.whole();
}

/** 400 and other refusals that are not about access. */
export const failureBody = (status: number, message: string, code: string = MD_FAILED) => ({
  'response-code': status,
  status: 'fail',
  message,
  'error.code': code,
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
