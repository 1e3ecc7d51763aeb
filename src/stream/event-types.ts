// The change types of the stream and of webhooks: the core's PresenceChangeType as a list, for
// validating what callers ask for and what the history store reads back.
import type { PresenceChangeType } from '../core/model.ts';

export const PRESENCE_CHANGE_TYPES = [
  'session.started',
  'session.updated',
  'session.ended',
  'user.online',
  'user.offline',
  'place.join',
  'place.leave',
] as const satisfies readonly PresenceChangeType[];

// Fails to compile when the core announces a type this list lacks.
const everyTypeListed: Exclude<PresenceChangeType, (typeof PRESENCE_CHANGE_TYPES)[number]> extends never ? true : never = true;
void everyTypeListed;

export const isPresenceChangeType = (value: string): value is PresenceChangeType =>
  (PRESENCE_CHANGE_TYPES as readonly string[]).includes(value);
