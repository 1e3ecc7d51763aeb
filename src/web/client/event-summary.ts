// One line that says what a change-stream event was, for the event console: who, which session, and
// what changed. Events of types the page does not know yet are summed up from the fields they share.
import { clientTypeLabel, endReasonText, viewText } from './format.ts';
import type { StreamEvent } from './types.ts';

const placeName = (place: StreamEvent['place']): string | undefined => (typeof place === 'string' ? place : place?.name);

export function eventSummary(event: StreamEvent): string {
  const session = event.session;
  const who = session?.user.name ?? event.user?.name ?? (typeof event.userId === 'string' ? event.userId : undefined);
  const sessionText = session ? `session ${session.id} (${clientTypeLabel(session.clientType)})` : undefined;
  switch (event.type) {
    case 'session.started':
      return `${who} opened ${sessionText}${session?.hostname ? ` on ${session.hostname}` : ''}`;
    case 'session.updated': {
      const view = viewText(session?.view);
      const state = session?.state === 'detached' ? 'reconnecting' : session?.idle ? 'idle' : 'active';
      return `${who}: ${sessionText} is ${state}${view ? `, viewing ${view}` : ''}`;
    }
    case 'session.ended':
      return `${who}: ${sessionText} ended${event.reason ? `: ${endReasonText(event.reason)}` : ''}${event.endedBy ? ` (${event.endedBy})` : ''}`;
    case 'user.online':
      return `${who} came online`;
    case 'user.offline':
      return `${who} went offline`;
    case 'place.join':
      return `${who ?? 'someone'} joined ${placeName(event.place) ?? 'a place'}${sessionText ? ` with ${sessionText}` : ''}`;
    case 'place.leave':
      return `${who ?? 'someone'} left ${placeName(event.place) ?? 'a place'}${sessionText ? ` with ${sessionText}` : ''}`;
    default:
      return [who, sessionText, placeName(event.place)].filter(Boolean).join(' · ') || event.type;
  }
}
