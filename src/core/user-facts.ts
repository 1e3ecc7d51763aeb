// Which of a user's live sessions speaks for the user: whose user facts (name, email, type) and whose
// view (`lastView`; Clientexec's `lastview`, which its ticket page reads to show who else is on the
// same ticket) an answer about the user shows.
//
// Both are facts a session reports when it opens or changes, never with a heartbeat, so both come from
// the session whose state changed last (its `version`: it opened, was updated, showed a new view, went
// idle or came back), the first of equals. For the view, a session that is not idle comes before one
// that is: the tab the user last turned to. Heartbeats change no version, so these answers hold still
// while tabs only heartbeat. Taking the session with the latest activity instead made two tabs trade
// them on every heartbeat: a name or a view that changed with nobody changing it, and every answer
// writing that user afresh (api/user-blocks.ts keeps the bytes of users whose facts did not move).
import type { Session, UserInfo } from './model.ts';

/** The user as the session that changed last reported it. */
export function userFacts(sessions: readonly Session[]): UserInfo {
  let chosen = sessions[0]!;
  for (const session of sessions) if (session.version > chosen.version) chosen = session;
  return chosen.user;
}

/** Whether `candidate`'s view answers `lastView` rather than `current`'s (which has one). */
function viewedLater(candidate: Session, current: Session): boolean {
  if (!candidate.view) return false;
  if (candidate.idle !== current.idle) return current.idle;
  return candidate.version > current.version;
}

/** The session whose view is the user's `lastView`, from the user's sessions; undefined when none has one. */
export function lastViewed(sessions: readonly Session[]): Session | undefined {
  let chosen: Session | undefined;
  for (const session of sessions) if (session.view && (!chosen || viewedLater(session, chosen))) chosen = session;
  return chosen;
}
