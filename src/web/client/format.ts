// How the dashboard writes times, counts and names. Times from the API are Unix seconds.

const CLIENT_TYPE_LABELS: Record<string, string> = {
  representative: 'Representative',
  support_customer: 'Support customer',
  presentation_attendee: 'Presentation attendee',
  push_agent: 'Push agent',
  web: 'Web',
};

export const clientTypeLabel = (type: string): string => CLIENT_TYPE_LABELS[type] ?? type;

const numberFormat = new Intl.NumberFormat('en');
export const count = (n: number): string => numberFormat.format(n);

/** "just now", "42 s ago", "5 min ago", "3 h 12 min ago", "2 d 4 h ago". */
export function ago(unixSeconds: number, nowMs = Date.now()): string {
  const seconds = Math.max(0, Math.round(nowMs / 1000 - unixSeconds));
  return seconds < 5 ? 'just now' : `${duration(seconds)} ago`;
}

/** A span of seconds as "42 s", "5 min", "3 h 12 min", "2 d 4 h". */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const shortDateTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const clockSeconds = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export const absolute = (unixSeconds: number): string => dateTime.format(new Date(unixSeconds * 1000));
/** "Mar 4, 14:05": when a past session started, short enough for a table cell. */
export const shortAbsolute = (unixSeconds: number): string => shortDateTime.format(new Date(unixSeconds * 1000));
export const clockTime = (unixSeconds: number): string => clock.format(new Date(unixSeconds * 1000));
export const clockTimeWithSeconds = (unixSeconds: number): string => clockSeconds.format(new Date(unixSeconds * 1000));

/** Node GUIDs are long: where a node's name is not known (yet), the first block stands for it. */
export const shortNode = (nodeId: string): string => (nodeId.length > 13 ? `${nodeId.slice(0, 8)}…` : nodeId);

/** Why a session ended, as a sentence's end ("This session has ended: …"). */
const END_REASONS: Record<string, string> = {
  closed: 'the client closed it',
  expired: 'it missed its heartbeats',
  connection_lost: 'its connection was lost',
  ping_timeout: 'it stopped answering pings',
  ended_by_admin: 'an administrator ended it',
  node_lost: 'its node went away',
  server_shutdown: 'the server shut down',
};
export const endReasonText = (reason: string): string => END_REASONS[reason] ?? reason.replaceAll('_', ' ');

/** Why a session ended, as a short label for a table cell. */
const END_REASON_LABELS: Record<string, string> = {
  closed: 'Closed by the client',
  expired: 'Missed heartbeats',
  connection_lost: 'Connection lost',
  ping_timeout: 'Stopped answering pings',
  ended_by_admin: 'Ended by an admin',
  node_lost: 'Node went away',
  server_shutdown: 'Server shut down',
};
export const endReasonLabel = (reason: string): string => END_REASON_LABELS[reason] ?? reason.replaceAll('_', ' ');

/** A time for a file (CSV): ISO 8601 in UTC, which every spreadsheet reads. */
export const isoTime = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();

/** "Active", "Idle" or "Reconnecting": a session's state in one word. */
export const stateLabel = (session: { state: string; idle: boolean }): string =>
  session.state === 'detached' ? 'Reconnecting' : session.idle ? 'Idle' : 'Active';

/** UTC offset in seconds as "UTC+05:30". */
export function utcOffset(seconds: number): string {
  const sign = seconds < 0 ? '−' : '+';
  const abs = Math.abs(seconds);
  const hours = String(Math.floor(abs / 3600)).padStart(2, '0');
  const minutes = String(Math.floor((abs % 3600) / 60)).padStart(2, '0');
  return `UTC${sign}${hours}:${minutes}`;
}

export const viewText = (view: { m: string; v: string; t: string } | undefined | null): string =>
  view ? [view.m, view.v, view.t].filter(Boolean).join(' › ') : '';
