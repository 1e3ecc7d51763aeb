// The live event console, like Pusher's debug console: the change stream as it comes, newest first,
// filtered on the server (`GET /v1/events?types=&userId=&clientType=&place=`, its own connection, so
// the filters are the stream's own), pausable without losing what arrives meanwhile (up to a limit),
// each event opening to its JSON. The filters are in the address, so a filtered console can be shared.
import { withQuery } from '../api.ts';
import { CLIENT_TYPES } from '../../../core/model.ts';
import { h, replaceChildren, setText } from '../dom.ts';
import { eventSummary } from '../event-summary.ts';
import { FrameBatcher } from '../frame-batcher.ts';
import { clockTimeWithSeconds, clientTypeLabel, count } from '../format.ts';
import { EventStream, type SseMessage, type StreamStatus } from '../sse.ts';
import { STREAM_EVENT_TYPES, type StreamEvent } from '../types.ts';
import type { Context, View } from './view.ts';

/** Events shown at once; older ones leave the list (the console is for watching, not for keeping). */
const SHOWN_MOST = 500;
/** Events kept while paused; beyond it the oldest are dropped and counted. */
const WAITING_MOST = 5_000;

interface ConsoleFilter {
  types: string[];
  userId: string;
  clientType: string;
  place: string;
}

interface Received {
  id: string;
  event: StreamEvent;
}

function filterFromParams(params: URLSearchParams): ConsoleFilter {
  const types = (params.get('types') ?? '').split(',').filter((t) => (STREAM_EVENT_TYPES as readonly string[]).includes(t));
  return {
    types: types.length > 0 ? types : [...STREAM_EVENT_TYPES],
    userId: params.get('userId') ?? '',
    clientType: params.get('clientType') ?? '',
    place: params.get('place') ?? '',
  };
}

/** The filter as the stream's (and the address's) query; every type is the same as none. */
function filterQuery(filter: ConsoleFilter): Record<string, string> {
  return Object.fromEntries(
    Object.entries({
      types: filter.types.length === STREAM_EVENT_TYPES.length ? '' : filter.types.join(','),
      userId: filter.userId.trim(),
      clientType: filter.clientType,
      place: filter.place.trim(),
    }).filter(([, value]) => value),
  );
}

export function eventsView(context: Context, params: URLSearchParams): View {
  const { api } = context;
  let filter = filterFromParams(params);
  let stream: EventStream | undefined;
  /** The query string of the open stream, to tell a real filter change from the same one read again. */
  let streamQuery: string | undefined;
  let paused = false;
  let waiting: Received[] = [];
  let dropped = 0;
  let received = 0;

  // ---- controls ----
  const typeBoxes = STREAM_EVENT_TYPES.map((type) =>
    h('input', { type: 'checkbox', id: `event-type-${type}`, value: type, checked: filter.types.includes(type) }),
  );
  const userInput = h('input', {
    id: 'events-user',
    type: 'search',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'Any user',
    value: filter.userId,
  });
  const clientSelect = h(
    'select',
    { id: 'events-client' },
    h('option', { value: '' }, 'Any client type'),
    ...CLIENT_TYPES.map((t) => h('option', { value: t }, clientTypeLabel(t))),
  );
  clientSelect.value = filter.clientType;
  const placeInput = h('input', {
    id: 'events-place',
    type: 'search',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'Any place',
    value: filter.place,
  });
  const pause = h('button', { type: 'button', class: 'secondary', id: 'events-pause', 'aria-pressed': 'false' }, 'Pause');
  const clear = h('button', { type: 'button', class: 'secondary', id: 'events-clear' }, 'Clear');
  const status = h('span', { class: 'stream-status', 'data-status': 'connecting', role: 'status' }, 'Connecting…');
  const countLine = h('p', { class: 'count', id: 'events-count' });
  const list = h('ol', { class: 'event-list', id: 'event-list', 'aria-live': 'off', 'aria-label': 'Events, newest first' });
  const empty = h('p', { class: 'muted empty-events' }, 'Waiting for events… They appear here as they happen.');
  const field = (label: string, control: HTMLElement) => h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter events' },
    h(
      'fieldset',
      { class: 'type-boxes' },
      h('legend', {}, 'Event types'),
      ...typeBoxes.map((box) => h('label', { class: 'check' }, box, box.value)),
    ),
    field('User id', userInput),
    field('Client type', clientSelect),
    field('Place', placeInput),
  );
  form.addEventListener('submit', (event) => event.preventDefault());

  const heading = h('h2', { id: 'events-heading', tabindex: -1 }, 'Event console');
  const element = h(
    'div',
    { class: 'page' },
    h(
      'section',
      { class: 'panel events-panel', 'aria-labelledby': 'events-heading' },
      h('div', { class: 'panel-head' }, h('div', { class: 'title-line' }, heading, status), h('div', { class: 'actions' }, pause, clear)),
      form,
      countLine,
      empty,
      list,
    ),
  );

  // ---- behaviour ----
  function describe() {
    const shown = list.childElementCount;
    empty.hidden = shown > 0 || waiting.length > 0;
    setText(
      countLine,
      `${count(received)} received · ${count(shown)} shown${paused ? ` · paused, ${count(waiting.length)} waiting${dropped ? ` (${count(dropped)} older dropped)` : ''}` : ''}`,
    );
    setText(pause, paused ? `Resume${waiting.length ? ` (${count(waiting.length)})` : ''}` : 'Pause');
  }

  function show(items: readonly Received[]) {
    // Only the newest SHOWN_MOST of a burst are worth building.
    const fresh = items.slice(-SHOWN_MOST);
    const rows = document.createDocumentFragment();
    for (let i = fresh.length - 1; i >= 0; i--) rows.append(eventRow(fresh[i]!));
    list.prepend(rows);
    while (list.childElementCount > SHOWN_MOST) list.lastElementChild!.remove();
  }

  const batcher = new FrameBatcher<Received>((batch) => {
    received += batch.length;
    if (paused) {
      waiting.push(...batch);
      if (waiting.length > WAITING_MOST) {
        dropped += waiting.length - WAITING_MOST;
        waiting = waiting.slice(-WAITING_MOST);
      }
    } else show(batch);
    describe();
  });

  function onMessage(message: SseMessage) {
    if (message.event === 'resync') return;
    try {
      const event = JSON.parse(message.data) as StreamEvent;
      if (event && typeof event.type === 'string') batcher.push({ id: message.lastEventId, event });
    } catch {
      // Not JSON: not an event.
    }
  }

  function connect() {
    const query = filterQuery(filter);
    const text = new URLSearchParams(query).toString();
    // The same filter again (a typed field settling after a select changed) keeps the open stream:
    // reconnecting would drop what arrives between the two streams.
    if (stream && text === streamQuery) return;
    stream?.stop();
    batcher.dispose();
    streamQuery = text;
    history.replaceState(null, '', text ? `#/events?${text}` : '#/events');
    if (filter.types.length === 0) {
      setStatus('stopped', 'Choose at least one event type.');
      stream = undefined;
      return;
    }
    // Not live until the new filter's stream says so: events of the moment between are not shown.
    setStatus('connecting');
    stream = new EventStream({
      url: withQuery('/v1/events', query),
      authorization: () => api.authorization,
      onMessage,
      onStatus: setStatus,
    });
    stream.start();
  }

  /** The console's own stream: why it is not live is worth reading here (a filter the server refused). */
  function setStatus(value: StreamStatus, detail?: string) {
    status.dataset.status = value;
    const text = { connecting: 'Connecting…', open: 'Live', reconnecting: 'Reconnecting…', stopped: 'Stopped' }[value];
    status.textContent = detail && value !== 'open' ? `${text} (${detail})` : text;
    status.title = detail ?? '';
  }

  function readFilter() {
    // Every field is read here, so a pending read of a typed field has nothing left to do.
    clearTimeout(typingTimer);
    filter = {
      types: typeBoxes.filter((box) => box.checked).map((box) => box.value),
      userId: userInput.value,
      clientType: clientSelect.value,
      place: placeInput.value,
    };
    connect();
  }
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  const readSoon = () => {
    clearTimeout(typingTimer);
    typingTimer = setTimeout(readFilter, 400);
  };
  // Ticking several boxes in a row reconnects once, with the last choice.
  for (const box of typeBoxes) box.addEventListener('change', readSoon);
  clientSelect.addEventListener('change', readFilter);
  userInput.addEventListener('input', readSoon);
  placeInput.addEventListener('input', readSoon);

  pause.addEventListener('click', () => {
    paused = !paused;
    pause.setAttribute('aria-pressed', String(paused));
    if (!paused) {
      show(waiting);
      waiting = [];
      dropped = 0;
    }
    describe();
  });
  clear.addEventListener('click', () => {
    replaceChildren(list);
    waiting = [];
    dropped = 0;
    received = 0;
    describe();
  });

  connect();
  describe();

  return {
    element,
    title: 'Event console',
    heading,
    destroy() {
      clearTimeout(typingTimer);
      stream?.stop();
      batcher.dispose();
    },
  };
}

/** One event: its time, type and summary; its JSON is built only when opened. */
function eventRow({ id, event }: Received): HTMLLIElement {
  const details = h('details', {}, h('summary', {}, h('span', { class: 'event-summary' }, eventSummary(event))));
  details.addEventListener(
    'toggle',
    () => {
      if (details.open && details.childElementCount === 1)
        details.append(h('pre', { class: 'event-json' }, JSON.stringify(event, null, 2)));
    },
    { passive: true },
  );
  return h(
    'li',
    { class: 'event', 'data-type': event.type, 'data-event-id': id },
    h('time', { datetime: new Date(event.at * 1000).toISOString(), class: 'event-time' }, clockTimeWithSeconds(event.at)),
    h('span', { class: `badge type ${event.type.replace('.', '-')}` }, event.type),
    details,
  );
}
