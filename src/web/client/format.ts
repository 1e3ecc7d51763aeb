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
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export const absolute = (unixSeconds: number): string => dateTime.format(new Date(unixSeconds * 1000));
export const clockTime = (unixSeconds: number): string => clock.format(new Date(unixSeconds * 1000));

/** Node GUIDs are long; tables show the first block and keep the whole id in a tooltip. */
export const shortNode = (nodeId: string): string => (nodeId.length > 13 ? `${nodeId.slice(0, 8)}…` : nodeId);

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
