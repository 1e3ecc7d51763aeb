// One webhook subscription's deliveries, newest first: each one's event, status, attempts, last answer
// or error and next attempt, filtered by status. A delivered or failed one can be sent again
// (redeliver); one still pending cannot (the server answers 409, and the page says so).
import { ApiError, problemText, withQuery } from '../../api.ts';
import { WEBHOOK_DELIVERY_STATUSES } from '../../admin-rules.ts';
import { h } from '../../dom.ts';
import { absolute, ago, shortAbsolute } from '../../format.ts';
import { adminHref } from '../../links.ts';
import type { DeliveryJson, WebhookJson } from '../../types.ts';
import type { Context, View } from '../view.ts';
import { AdminPage, createdColumn, readerNotice } from './admin-page.ts';
import { webhookStatus } from './webhooks-view.ts';

/** Pending deliveries move on by themselves: the list is reloaded this often while open, in ms. */
const RELOAD_MS = 5_000;

const when = (at: number | undefined) => (at === undefined ? '' : h('span', { title: absolute(at) }, ago(at)));

export function webhookDeliveriesView(context: Context, id: number): View {
  if (context.me.role !== 'admin') return readerNotice('webhooks', 'Webhook deliveries');
  const { api } = context;
  const status = h(
    'select',
    { id: 'delivery-status', name: 'status' },
    h('option', { value: '' }, 'Any status'),
    ...WEBHOOK_DELIVERY_STATUSES.map((s) => h('option', { value: s }, s)),
  );
  const facts = h('p', { class: 'webhook-facts' });
  const page = new AdminPage<DeliveryJson>({
    context,
    section: 'webhooks',
    title: `Webhook ${id}`,
    intro: 'Its deliveries, newest first. Delivered and failed ones stay listed for 7 days.',
    listPath: () => withQuery(`/v1/webhooks/${id}/deliveries`, { status: status.value, limit: 200 }),
    listField: 'deliveries',
    caption: 'Deliveries',
    emptyText: 'No deliveries.',
    key: (d) => d.id,
    crumb: h('p', { class: 'crumbs' }, h('a', { href: adminHref('webhooks') }, '← Webhooks')),
    above: h(
      'div',
      { class: 'stack' },
      facts,
      h('div', { class: 'filters' }, h('div', { class: 'field' }, h('label', { for: status.id }, 'Status'), status)),
    ),
    columns: (page) => [
      {
        header: 'Event',
        className: 'col-event',
        cell: (d) => h('span', { title: `Delivery ${d.id}` }, d.eventType),
        sort: (d) => d.eventType,
      },
      {
        header: 'Status',
        className: 'col-status',
        cell: (d) => h('span', { class: `badge delivery ${d.status}` }, d.status),
        sort: (d) => d.status,
      },
      { header: 'Attempts', className: 'col-count num', cell: (d) => String(d.attempts), sort: (d) => d.attempts },
      createdColumn(),
      {
        header: 'Last attempt',
        className: 'col-time',
        cell: (d) => when(d.lastAttemptAt),
        sort: (d) => d.lastAttemptAt,
        descendingFirst: true,
      },
      {
        header: 'Answer',
        className: 'col-answer',
        cell: (d) => (d.lastStatusCode !== undefined ? `HTTP ${d.lastStatusCode}` : (d.lastError ?? '')),
        sort: (d) => d.lastStatusCode ?? d.lastError,
      },
      { header: 'Next attempt', className: 'col-time', cell: (d) => when(d.nextAttemptAt), sort: (d) => d.nextAttemptAt },
      {
        header: 'Actions',
        className: 'col-actions',
        cell: (d) =>
          d.status === 'pending'
            ? h('span', { class: 'muted' }, 'waiting')
            : page.action('Redeliver', async () => {
                try {
                  await api.post<DeliveryJson>(`/v1/webhooks/${id}/deliveries/${encodeURIComponent(d.id)}/redeliver`);
                  return `Delivery ${d.id} (${d.eventType}) is queued again.`;
                } catch (error) {
                  if (error instanceof ApiError && error.status === 409)
                    throw new Error(`Delivery ${d.id} is pending already: it is sent again when due.`);
                  throw error;
                }
              }),
      },
    ],
  });
  status.addEventListener('change', () => void page.reload());

  async function loadFacts() {
    try {
      const hook = await api.get<WebhookJson>(`/v1/webhooks/${id}`);
      page.heading.textContent = hook.url;
      facts.replaceChildren(webhookStatus(hook), ` Events: ${hook.events.join(', ')} · created ${shortAbsolute(hook.createdAt)}`);
    } catch (error) {
      facts.replaceChildren(h('span', { class: 'error' }, `Could not load the subscription: ${problemText(error)}`));
    }
  }
  void loadFacts();
  const timer = setInterval(() => void page.reload(), RELOAD_MS);
  return page.view(() => clearInterval(timer));
}
