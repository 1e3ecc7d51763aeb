// Webhook subscriptions: where rollcall POSTs which changes. A new subscription's signing secret is
// shown once. Each one can be paused and resumed (which also re-enables one a 410 answer disabled),
// removed, or opened to see its deliveries.
import { PRESENCE_CHANGE_TYPES, WEBHOOK_LIMITS } from '../../admin-rules.ts';
import { h } from '../../dom.ts';
import { webhookHref } from '../../links.ts';
import type { WebhookJson, WebhookWithSecret } from '../../types.ts';
import type { Context, View } from '../view.ts';
import { AdminPage, createForm, createdColumn, formField, readerNotice, secretBox } from './admin-page.ts';

export function webhookStatus(hook: WebhookJson): HTMLElement {
  if (hook.disabledReason) return h('span', { class: 'badge offline', title: hook.disabledReason }, `Disabled: ${hook.disabledReason}`);
  return hook.active ? h('span', { class: 'badge active' }, 'Active') : h('span', { class: 'badge idle' }, 'Paused');
}

export function webhooksView(context: Context): View {
  if (context.me.role !== 'admin') return readerNotice('webhooks', 'Webhooks');
  const { api } = context;
  const page = new AdminPage<WebhookJson>({
    context,
    section: 'webhooks',
    title: 'Webhooks',
    intro:
      'rollcall POSTs the changes you choose to these URLs, signed with each subscription’s secret, and retries until they answer 2xx.',
    listPath: '/v1/webhooks',
    listField: 'webhooks',
    caption: 'Webhook subscriptions',
    emptyText: 'No webhook subscriptions yet.',
    key: (w) => String(w.id),
    columns: (page) => [
      { header: 'URL', className: 'col-url', cell: (w) => h('a', { href: webhookHref(w.id), title: w.url }, w.url), sort: (w) => w.url },
      { header: 'Events', className: 'col-events', cell: (w) => w.events.join(', '), sort: (w) => w.events.join(',') },
      { header: 'Status', className: 'col-status', cell: webhookStatus, sort: (w) => (w.disabledReason ? 2 : w.active ? 0 : 1) },
      createdColumn(),
      {
        header: 'Actions',
        className: 'col-actions',
        cell: (w) => [
          h('a', { href: webhookHref(w.id), class: 'button-link small' }, 'Deliveries'),
          page.action(w.active && !w.disabledReason ? 'Pause' : 'Resume', async () => {
            const changed = await api.patch<WebhookJson>(`/v1/webhooks/${w.id}`, { active: !(w.active && !w.disabledReason) });
            return `${changed.url} is ${changed.active ? 'active' : 'paused'}.`;
          }),
          page.action(
            'Remove',
            async () => {
              await api.delete(`/v1/webhooks/${w.id}`);
              return `Removed the subscription of ${w.url} and its deliveries.`;
            },
            { confirmText: `Remove the subscription of ${w.url}? Its deliveries, pending ones too, go with it.`, danger: true },
          ),
        ],
      },
    ],
    formTitle: 'New subscription',
    form: (page) => {
      const url = h('input', {
        id: 'webhook-url',
        name: 'url',
        type: 'url',
        autocomplete: 'off',
        spellcheck: 'false',
        required: true,
        maxlength: WEBHOOK_LIMITS.url,
        placeholder: 'https://example.com/hooks/rollcall',
      });
      const boxes = PRESENCE_CHANGE_TYPES.map((type) =>
        h('input', { type: 'checkbox', name: 'events', value: type, id: `webhook-event-${type}`, checked: true }),
      );
      const secret = h('input', {
        id: 'webhook-secret',
        name: 'secret',
        type: 'password',
        autocomplete: 'off',
        minlength: WEBHOOK_LIMITS.secretMin,
        maxlength: WEBHOOK_LIMITS.secretMax,
      });
      return createForm(
        page,
        'new-webhook',
        [
          formField('URL', url, 'http or https; rollcall POSTs JSON here.'),
          h(
            'fieldset',
            { class: 'type-boxes' },
            h('legend', {}, 'Events'),
            ...boxes.map((box) => h('label', { class: 'check' }, box, box.value)),
          ),
          formField(
            'Secret',
            secret,
            `${WEBHOOK_LIMITS.secretMin} to ${WEBHOOK_LIMITS.secretMax} characters; leave empty to have one generated.`,
          ),
        ],
        'Subscribe',
        async () => {
          const events = boxes.filter((box) => box.checked).map((box) => box.value);
          if (events.length === 0) throw new Error('Choose at least one event.');
          const created = await api.post<WebhookWithSecret>('/v1/webhooks', {
            url: url.value.trim(),
            events,
            ...(secret.value && { secret: secret.value }),
          });
          return secretBox(`The signing secret of ${created.url}`, created.secret ?? '');
        },
      );
    },
  });
  return page.view();
}
