// What outlives a user's sessions: each user's latest facts with their last seen and last view (the
// offline lists), and samples of how many were online (the dashboard's chart).

import type { UserRecord } from '../../core/model.ts';

/** How many were online at one instant (see PresenceService's sampler). */
export interface PresenceSample {
  at: number;
  onlineUsers: number;
  sessions: number;
}

export interface PresenceHistory {
  /**
   * Upserts users with their latest facts. `lastSeenAt` never moves backwards; `lastView` is kept
   * when a record carries none.
   */
  recordUsers(records: readonly UserRecord[]): Promise<void>;
  getUser(id: string): Promise<UserRecord | undefined>;
  /** Users last seen at or after `since` (epoch ms), most recent first. */
  listUsersSeenSince(since: number, limit?: number): Promise<UserRecord[]>;

  /** Stores a sample and forgets those taken before `keepSince`. */
  recordPresenceSample(sample: PresenceSample, keepSince: number): Promise<void>;
  /** Samples taken at or after `since`, oldest first. */
  listPresenceSamples(since: number): Promise<PresenceSample[]>;
}
