// Which live sessions each user has. Most users have one or two, so a user's entry is the bare id
// until a second session comes, then a small array: a Set per user would cost a hash table each.
import { ShardedMap } from '../../core/sharded-map.ts';

export class UserSessionIndex {
  private readonly byUser = new ShardedMap<string, number | number[]>();

  /** Users with at least one session. */
  get size(): number {
    return this.byUser.size;
  }

  /** Records a session; answers true when it is the user's first. */
  add(userId: string, sessionId: number): boolean {
    const entry = this.byUser.get(userId);
    if (entry === undefined) {
      this.byUser.set(userId, sessionId);
      return true;
    }
    if (typeof entry === 'number') this.byUser.set(userId, [entry, sessionId]);
    else entry.push(sessionId);
    return false;
  }

  /** Forgets a session; answers true when the user has none left. */
  remove(userId: string, sessionId: number): boolean {
    const entry = this.byUser.get(userId);
    if (entry === undefined) return true;
    if (typeof entry === 'number') {
      if (entry !== sessionId) return false;
      this.byUser.delete(userId);
      return true;
    }
    const at = entry.indexOf(sessionId);
    if (at >= 0) entry.splice(at, 1);
    if (entry.length === 1) this.byUser.set(userId, entry[0]!);
    else if (entry.length === 0) this.byUser.delete(userId);
    return entry.length === 0;
  }

  sessionIds(userId: string): readonly number[] {
    const entry = this.byUser.get(userId);
    if (entry === undefined) return [];
    return typeof entry === 'number' ? [entry] : entry;
  }

  userIds(): string[] {
    return [...this.byUser.keys()];
  }
}
