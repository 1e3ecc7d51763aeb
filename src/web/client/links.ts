// Where each thing of the dashboard lives: the hash routes that pages link to (routes.ts reads them).
export const sessionsHref = (query?: Record<string, string>): string => {
  const text = new URLSearchParams(query).toString();
  return text ? `#/sessions?${text}` : '#/sessions';
};
export const sessionHref = (id: number): string => `#/sessions/${id}`;
export const userHref = (id: string): string => `#/users/${encodeURIComponent(id)}`;
export const nodesHref = '#/nodes';
export const eventsHref = '#/events';
export const offlineHref = '#/offline';
export const adminHref = (page: 'accounts' | 'keys' | 'oauth-clients' | 'webhooks'): string => `#/admin/${page}`;
export const webhookHref = (id: number): string => `#/admin/webhooks/${id}`;
