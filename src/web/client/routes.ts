// The hash routes: which page a location shows, and which navigation entry it belongs to.
import { accountsView } from './views/admin/accounts-view.ts';
import { keysView } from './views/admin/keys-view.ts';
import { oauthClientsView } from './views/admin/oauth-clients-view.ts';
import { webhookDeliveriesView } from './views/admin/webhook-deliveries-view.ts';
import { webhooksView } from './views/admin/webhooks-view.ts';
import { eventsView } from './views/events-view.ts';
import { nodesView } from './views/nodes-view.ts';
import { offlineView } from './views/offline-view.ts';
import { sessionView } from './views/session-view.ts';
import { sessionsView } from './views/sessions-view.ts';
import { userView } from './views/user-view.ts';
import type { Context, View } from './views/view.ts';

/** The navigation's entries, in order; `admin` is shown to admins only. */
export const NAV_ENTRIES = [
  ['sessions', 'Live sessions', '#/sessions'],
  ['offline', 'Offline users', '#/offline'],
  ['nodes', 'Nodes', '#/nodes'],
  ['events', 'Event console', '#/events'],
  ['admin', 'Admin', '#/admin/accounts'],
] as const;
export type NavEntry = (typeof NAV_ENTRIES)[number][0];

export interface Route {
  /** The navigation entry to mark as current, if any. */
  nav: NavEntry | undefined;
  open(context: Context): View;
}

/** Splits `#/a/b?x=1` into decoded path parts and the query. */
export function parseHash(hash: string): { parts: string[]; params: URLSearchParams } {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    });
  return { parts, params: new URLSearchParams(query) };
}

const ADMIN_PAGES: Record<string, (context: Context) => View> = {
  accounts: accountsView,
  keys: keysView,
  'oauth-clients': oauthClientsView,
  webhooks: webhooksView,
};

/** The page for a location, or undefined when there is none. */
export function resolveRoute(hash: string): Route | undefined {
  const { parts, params } = parseHash(hash);
  const [first = 'sessions', second, third] = parts;
  const id = (text: string | undefined) => (text !== undefined && /^\d{1,10}$/.test(text) ? Number(text) : undefined);
  switch (parts.length <= 1 ? first : `${first}/`) {
    case 'sessions':
      return { nav: 'sessions', open: (context) => sessionsView(context, params) };
    case 'offline':
      return { nav: 'offline', open: offlineView };
    case 'nodes':
      return { nav: 'nodes', open: nodesView };
    case 'events':
      return { nav: 'events', open: (context) => eventsView(context, params) };
    case 'admin':
      return { nav: 'admin', open: accountsView };
    case 'sessions/': {
      const sessionId = id(second);
      return sessionId !== undefined && parts.length === 2
        ? { nav: 'sessions', open: (context) => sessionView(context, sessionId) }
        : undefined;
    }
    case 'users/':
      return parts.length === 2 ? { nav: undefined, open: (context) => userView(context, second!) } : undefined;
    case 'admin/': {
      const page = ADMIN_PAGES[second!];
      if (parts.length === 2 && page) return { nav: 'admin', open: page };
      const hookId = id(third);
      return second === 'webhooks' && hookId !== undefined && parts.length === 3
        ? { nav: 'admin', open: (context) => webhookDeliveriesView(context, hookId) }
        : undefined;
    }
    default:
      return undefined;
  }
}
