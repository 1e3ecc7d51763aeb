// The signed-in dashboard: the header (brand, navigation, stream status, who is signed in, sign-out),
// and the page the address names. On a narrow screen the navigation and the account fold into a menu
// behind one button, so the header always fits on one line.
import { Api } from './api.ts';
import { h, replaceChildren, setText } from './dom.ts';
import { ago } from './format.ts';
import { ChangeHub, StatsStore } from './live.ts';
import { NodeDirectory } from './nodes.ts';
import { NAV_ENTRIES, resolveRoute, type NavEntry } from './routes.ts';
import type { StreamStatus } from './sse.ts';
import type { Me } from './types.ts';
import type { Context, View } from './views/view.ts';

const STATUS_TEXT: Record<StreamStatus, string> = {
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting…',
  stopped: 'Offline',
};

export interface FrameOptions {
  authorization: string;
  me: Me;
  /** The credential was refused (removed account, revoked key): sign in again. */
  onExpired: () => void;
  onSignOut: () => void;
}

/** Starts the dashboard in `root`; answers the function that stops it. */
export function startFrame(root: HTMLElement, { authorization, me, onExpired, onSignOut }: FrameOptions): () => void {
  let stopped = false;
  const expired = () => {
    if (stopped) return;
    stop();
    onExpired();
  };
  const api = new Api({ authorization, onUnauthorized: expired });
  const hub = new ChangeHub(api, expired);
  const stats = new StatsStore(api, hub);
  const nodes = new NodeDirectory(api);
  const context: Context = { api, me, hub, stats, nodes };

  const status = h('span', { class: 'stream-status', role: 'status', 'data-status': 'connecting' }, STATUS_TEXT.connecting);
  const offStatus = hub.onStatus((value, detail) => {
    status.dataset.status = value;
    status.textContent = STATUS_TEXT[value];
    status.title = detail ?? '';
  });
  const logout = h('button', { type: 'button', class: 'secondary' }, 'Sign out');
  const navLinks = new Map<NavEntry, HTMLAnchorElement>(
    NAV_ENTRIES.filter(([entry]) => entry !== 'admin' || me.role === 'admin').map(([entry, label, href]) => [
      entry,
      h('a', { href }, label),
    ]),
  );
  const menuButton = h(
    'button',
    { type: 'button', class: 'menu-toggle secondary', 'aria-expanded': 'false', 'aria-controls': 'topbar-menu' },
    'Menu',
  );
  const header = h(
    'header',
    { class: 'topbar' },
    h('p', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'rollcall'),
    status,
    menuButton,
    h(
      'div',
      { class: 'topbar-menu', id: 'topbar-menu' },
      h('nav', { 'aria-label': 'Pages' }, ...navLinks.values()),
      h('div', { class: 'who' }, h('span', { class: 'account' }, `${me.username} · ${me.role}`), logout),
    ),
  );
  const setMenu = (open: boolean) => {
    header.classList.toggle('menu-open', open);
    menuButton.setAttribute('aria-expanded', String(open));
  };
  menuButton.addEventListener('click', () => setMenu(!header.classList.contains('menu-open')));
  const main = h('main', { id: 'main', tabindex: -1 });
  replaceChildren(root, h('a', { class: 'skip', href: '#main' }, 'Skip to content'), header, main);
  // The skip link targets #main, which the router would read as a route: handle it here.
  root.querySelector('a.skip')!.addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });

  let view: View | undefined;
  let firstRoute = true;
  function route() {
    setMenu(false);
    view?.destroy();
    view = undefined;
    const found = resolveRoute(location.hash);
    for (const [entry, link] of navLinks) {
      if (found?.nav === entry) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    if (!found) {
      const heading = h('h2', { tabindex: -1 }, 'Not found');
      replaceChildren(
        main,
        h(
          'div',
          { class: 'page' },
          heading,
          h('p', {}, 'There is no such page. ', h('a', { href: '#/sessions' }, 'Go to the live sessions.')),
        ),
      );
      document.title = 'Not found · rollcall';
      return;
    }
    const current = (view = found.open(context));
    replaceChildren(main, current.element);
    document.title = `${current.title} · rollcall`;
    // After a navigation, focus goes to the new page's heading so a screen reader announces it.
    if (!firstRoute) current.heading.focus({ preventScroll: false });
    firstRoute = false;
  }
  window.addEventListener('hashchange', route);
  // "5 s ago" in the detail pages moves on by itself (the tables refresh their own).
  const clock = setInterval(() => {
    main.querySelectorAll<HTMLTimeElement>('time[data-relative]').forEach((time) => {
      const at = Date.parse(time.dateTime);
      if (!Number.isNaN(at)) setText(time, ago(at / 1000));
    });
  }, 10_000);

  function stop() {
    stopped = true;
    clearInterval(clock);
    window.removeEventListener('hashchange', route);
    view?.destroy();
    view = undefined;
    offStatus();
    hub.stop();
    stats.stop();
    nodes.stop();
  }
  logout.addEventListener('click', () => {
    stop();
    onSignOut();
  });

  hub.start();
  stats.start();
  nodes.start();
  route();
  return stop;
}
