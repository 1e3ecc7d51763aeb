// The demo's ticket page (served by ../routes.ts): who is on this ticket, live. It does what an
// application would do with @rollcall/client: report the tab's session, whose view names the ticket (so
// the tab is in the place `ticket:<id>` without joining it), watch that place, and draw members() on
// every event. Built by scripts/build-client.mjs into dist/demo; the SDK is not bundled in: the page
// imports the bundle the server serves (/sdk/rollcall-client.js), as any application's page may.
import { RollcallClient, type ClientState, type PlaceMember } from '@rollcall/client';
import { h, replaceChildren, setText } from '../../../web/client/dom.ts';
import { clientTypeLabel, duration } from '../../../web/client/format.ts';

const ticket = /^\/demo\/ticket\/(\d+)$/.exec(location.pathname)?.[1] ?? '';
const place = `ticket:${ticket}`;

// ---- who this tab is ------------------------------------------------------------------------------

interface Visitor {
  id: string;
  name: string;
}

const STORAGE_KEY = 'rollcall.demo.visitor';

/**
 * `?as=Kim` makes the tab Kim: two tabs with the same name are one person with two sessions (one
 * member, no second join). Otherwise each tab is a guest of its own, kept for the tab's life so a
 * reload is the same person.
 */
function visitor(): Visitor {
  const asked = new URLSearchParams(location.search).get('as')?.trim().slice(0, 64);
  if (asked) return { id: `as-${fnv1a(asked.toLowerCase())}`, name: asked };
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<Visitor> | null;
    if (typeof stored?.id === 'string' && typeof stored.name === 'string') return { id: stored.id, name: stored.name };
  } catch {
    // Storage disabled or spoiled: a new guest.
  }
  const id = Array.from(crypto.getRandomValues(new Uint8Array(6)), (byte) => byte.toString(16).padStart(2, '0')).join('');
  const guest = { id, name: `Guest ${parseInt(id.slice(0, 4), 16) % 1000}` };
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(guest));
  } catch {
    // This tab stays the same guest until it reloads.
  }
  return guest;
}

/** FNV-1a, 32 bits, in hex: a short id from a name, the same in every tab. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

const me = visitor();
/** This tab's user id, as the token names it. */
let myUserId: string | undefined;

/** The demo signs a token for the visitor; an application's backend would sign one for its user. */
async function token(): Promise<string> {
  const answer = await fetch('/demo/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(me) });
  if (!answer.ok) throw new Error(`the demo refused a token: ${answer.status}`);
  const body = (await answer.json()) as { token: string; userId: string };
  myUserId = body.userId;
  return body.token;
}

// ---- the page -----------------------------------------------------------------------------------

const STATES: Record<ClientState, string> = {
  idle: 'not connected',
  connecting: 'connecting…',
  open: 'live',
  reconnecting: 'reconnecting…',
  closed: 'disconnected',
};

const status = h('span', { class: 'status', id: 'status', 'data-state': 'idle' }, STATES.idle);
const count = h('span', { class: 'muted', id: 'count' });
const list = h('ul', { class: 'members', id: 'members' });
const log = h('ol', { class: 'log', id: 'log', reversed: true });
/** Most lines the log keeps. */
const LOG_LINES = 50;
/** Log times to the second: several things happen in a minute. */
const logTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

document.title = `Ticket #${ticket} · rollcall demo`;
replaceChildren(
  document.getElementById('app')!,
  h(
    'header',
    {},
    h('h1', {}, `Ticket #${ticket}`),
    h(
      'p',
      { class: 'muted' },
      'Everyone with this ticket open appears below, live: the simulated agents of ',
      h('code', {}, 'rollcall demo'),
      ' and anyone who opens this page.',
    ),
    h(
      'p',
      { class: 'muted' },
      'Open it in another window to see yourself arrive; add ',
      h('code', {}, '?as=Kim'),
      ' to be Kim (two tabs as Kim are one person).',
    ),
  ),
  h('section', { 'aria-labelledby': 'here-title' }, h('h2', { id: 'here-title' }, 'Here now', count, status), list),
  h('section', { 'aria-labelledby': 'log-title' }, h('h2', { id: 'log-title' }, 'Coming and going'), log),
);

const displayName = (member: PlaceMember) => member.user.publicDisplayName ?? member.user.name;
const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => Array.from(word)[0]!.toUpperCase())
    .join('');
/** A member is idle when every session of theirs here is. */
const isIdle = (member: PlaceMember) => member.sessions.every((session) => session.idle);

function memberItem(member: PlaceMember): HTMLLIElement {
  const name = displayName(member);
  const idle = isIdle(member);
  const you = member.user.id === myUserId;
  // `since` is when a session opened, not when it came here: the member has been online this long.
  const online = Math.max(0, Math.round(Date.now() / 1000 - Math.min(...member.sessions.map((session) => session.since))));
  const kinds = [...new Set(member.sessions.map((session) => clientTypeLabel(session.clientType)))].join(', ');
  const tabs = member.sessions.length;
  const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(name));
  // Through the CSSOM, which the page's content security policy allows (a style attribute it would not).
  avatar.style.setProperty('--hue', String(parseInt(fnv1a(member.user.id).slice(0, 4), 16) % 360));
  return h(
    'li',
    { class: `member${idle ? ' idle' : ''}`, 'data-user': member.user.id, 'data-idle': idle ? 'true' : 'false' },
    avatar,
    h(
      'span',
      { class: 'who' },
      h('span', { class: 'name' }, name, you ? ' (you)' : ''),
      h(
        'span',
        { class: 'facts muted' },
        [kinds, idle ? 'idle' : 'active', tabs > 1 ? `${tabs} sessions` : '', `online for ${duration(online)}`].filter(Boolean).join(' · '),
      ),
    ),
  );
}

const client = new RollcallClient({
  url: location.origin,
  token,
  session: { clientType: 'web', view: { m: 'support', v: 'getticket', t: `ticketid|${ticket}` } },
});
const here = client.watch(place);

function render(): void {
  const members = here.members();
  setText(count, `(${members.length})`);
  replaceChildren(list, ...members.map(memberItem));
}

/** What the log last said of each member: a leave carries only the user's id. */
const known = new Map<string, { name: string; idle: boolean }>();

function note(text: string): void {
  log.prepend(h('li', {}, h('time', {}, logTime.format(new Date())), text));
  while (log.children.length > LOG_LINES) log.lastElementChild!.remove();
}

here.on('join', (member) => {
  known.set(member.user.id, { name: displayName(member), idle: isIdle(member) });
  note(`${displayName(member)} opened the ticket`);
  render();
});
here.on('update', (member) => {
  const before = known.get(member.user.id);
  const now = { name: displayName(member), idle: isIdle(member) };
  known.set(member.user.id, now);
  if (before && before.idle !== now.idle) note(now.idle ? `${now.name} went idle` : `${now.name} is back`);
  render();
});
here.on('leave', ({ user }) => {
  note(`${known.get(user.id)?.name ?? user.id} left`);
  known.delete(user.id);
  render();
});
client.on('state', ({ state }) => {
  setText(status, STATES[state]);
  status.dataset.state = state;
});
client.on('error', (error) => {
  if (error.fatal) setText(status, `stopped: ${error.message}`);
});
// "online for" moves on with the clock.
setInterval(render, 15_000);
render();
void client.connect();
