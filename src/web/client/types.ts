// The API shapes the dashboard reads. Sessions and users come from the server's own serializer (a
// type-only import, erased from the bundle), so a field renamed there breaks this build too.
import type { SessionJson, userJson } from '../../api/presence-json.ts';

export type { SessionJson };
export type UserJson = ReturnType<typeof userJson>;
export type SessionEventJson = SessionJson['events'][number];

export interface SessionsPage {
  sessions: SessionJson[];
  nextCursor: string | null;
  /** How many live sessions match the filters, over all pages. */
  total: number;
}

export interface UsersAnswer {
  users: UserJson[];
  count: number;
}

export interface PresenceSampleJson {
  /** Unix seconds. */
  at: number;
  onlineUsers: number;
  sessions: number;
}

export interface StatsJson {
  sessions: {
    total: number;
    byClientType: Record<string, number>;
    byUserType: Record<string, number>;
    byNode: Record<string, number>;
  };
  users: { online: number };
  activity: {
    lastMinute: { started: number; ended: number };
    lastHour: { started: number; ended: number };
  };
  samples: { hour: PresenceSampleJson[]; day: PresenceSampleJson[] };
}

export type ChangeType = 'session.started' | 'session.updated' | 'session.ended' | 'user.online' | 'user.offline';

/** One message of `GET /v1/events`. */
export interface ChangeEvent {
  type: ChangeType;
  /** Unix seconds. */
  at: number;
  session?: SessionJson;
  user?: { id: string; name: string; type?: string };
  reason?: string;
  /** session.ended by an admin: the account name. */
  endedBy?: string;
  lastSeenAt?: number;
}

export interface Me {
  username: string;
  role: 'admin' | 'reader';
  via: 'password' | 'apiKey';
}
