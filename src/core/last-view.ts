// Which of a user's live sessions answers "what did the user last look at" (`lastView`; Clientexec's
// `lastview`, which its ticket page reads to show who else is on the same ticket).
//
// Each tab has its own view. The answer is the view of the tab the user last turned to: among sessions
// with a view, one that is not idle before one that is, then the one whose state changed last (its
// `version`: it opened, showed a new view, came back from idle), the first of equals. Heartbeats change
// no version, so the answer holds still while tabs only heartbeat. Taking the session with the latest
// activity instead made two tabs on different pages trade the answer on every heartbeat: a view that
// changed with nobody changing it, and every answer writing that user afresh (api/user-blocks.ts
// keeps the bytes of users whose facts did not move).
import type { Session } from './model.ts';

/** Whether `candidate`'s view answers `lastView` rather than `current`'s (which has one). */
export function viewedLater(candidate: Session, current: Session): boolean {
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
