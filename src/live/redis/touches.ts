// Heartbeats with what a client says it is doing (idle flag, view), for the Redis store. A plain
// heartbeat only moves the replica's clock (queued for Redis, activity-queue.ts); a change of idle flag
// or view is a change every node announces, made by compare-and-set like any update.
import { sameView, type Session, type View } from '../../core/model.ts';
import type { Touch, TouchResult } from '../live-store.ts';
import type { UpdatePlan, UpdateResult } from './session-writer.ts';

export interface TouchDeps {
  /** The replica's session, when live and not detached. */
  touchable(id: number): Session | undefined;
  /** A plain heartbeat of the session. */
  keepAlive(session: Session): void;
  /** Compare-and-set, all plans in one script (session-writer.ts). */
  update(plans: readonly UpdatePlan[]): Promise<Map<number, UpdateResult>>;
  /** The session changed with this heartbeat: its queued plain heartbeat is superseded. */
  changed(id: number): void;
}

export async function touchSessions(touches: readonly Touch[], now: number, deps: TouchDeps): Promise<TouchResult> {
  const unknown: number[] = [];
  const touched: Session[] = [];
  // The idle flag and view each changing session should end with (later touches of an id win).
  const wanted = new Map<number, { idle: boolean; view: View | undefined }>();
  for (const touch of touches) {
    const session = deps.touchable(touch.id);
    if (!session) {
      unknown.push(touch.id);
      continue;
    }
    touched.push(session);
    const current = wanted.get(touch.id) ?? session;
    const idleChanged = touch.idle !== undefined && touch.idle !== current.idle;
    const viewChanged = touch.view !== undefined && !sameView(touch.view, current.view);
    if (idleChanged || viewChanged) {
      wanted.set(touch.id, { idle: touch.idle ?? current.idle, view: viewChanged ? touch.view : current.view });
    } else if (!wanted.has(touch.id)) {
      deps.keepAlive(session);
    }
  }
  if (wanted.size === 0) return { unknown, touched, changed: [] };

  const plans = [...wanted].map(([id, { idle, view }]) => ({
    id,
    mutate: (current: Session): Session | undefined =>
      current.detached || (current.idle === idle && sameView(current.view, view))
        ? undefined
        : { ...current, idle, view, lastActivityAt: now, expiresAt: now + current.lifetimeMs },
  }));
  const results = await deps.update(plans);
  const changed: Session[] = [];
  const gone = new Set<number>();
  for (const [id, { session, changed: didChange }] of results) {
    if (!session) {
      gone.add(id);
      unknown.push(id);
    } else if (didChange) {
      changed.push(session);
      deps.changed(id);
    } else {
      // Nothing left to change (another node made the same change first): a plain heartbeat.
      const live = deps.touchable(id);
      if (live) deps.keepAlive(live);
    }
  }
  const latest = (session: Session) => results.get(session.id)?.session ?? session;
  return { unknown, touched: touched.filter((s) => !gone.has(s.id)).map(latest), changed };
}
