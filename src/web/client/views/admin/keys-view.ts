// API keys: `api` keys read presence with their account's rights, `ingest` keys report sessions. A new
// key is shown once; listings show its prefix only. Revoking takes effect from the next request on.
import { API_KEY_KINDS, LABEL_MAX } from '../../admin-rules.ts';
import { h } from '../../dom.ts';
import { absolute } from '../../format.ts';
import type { AccountJson, KeyJson } from '../../types.ts';
import type { Context, View } from '../view.ts';
import { AdminPage, createForm, createdColumn, formField, readerNotice, secretBox } from './admin-page.ts';

const KIND_HINT = 'api: reads presence as its account; ingest: reports sessions for any user.';

export function keysView(context: Context): View {
  if (context.me.role !== 'admin') return readerNotice('keys', 'API keys');
  const { api, me } = context;
  const page = new AdminPage<KeyJson>({
    context,
    section: 'keys',
    title: 'API keys',
    intro: 'Keys for programs: api keys read presence with the rights of their account; ingest keys report sessions.',
    listPath: '/v1/keys',
    listField: 'keys',
    caption: 'API keys, revoked ones included',
    emptyText: 'No API keys yet.',
    key: (k) => String(k.id),
    columns: (page) => [
      { header: 'Key', className: 'col-prefix', cell: (k) => h('code', {}, `${k.prefix}…`), sort: (k) => k.prefix },
      { header: 'Kind', className: 'col-kind', cell: (k) => k.kind, sort: (k) => k.kind },
      {
        header: 'Account',
        className: 'col-name',
        cell: (k) => k.account ?? h('span', { class: 'muted' }, 'removed'),
        sort: (k) => k.account ?? '',
      },
      {
        header: 'Label',
        className: 'col-label',
        cell: (k) => [k.label ?? '', k.userId ? h('span', { class: 'muted' }, ` user ${k.userId}`) : null],
        sort: (k) => k.label,
      },
      createdColumn(),
      {
        header: 'Status',
        className: 'col-actions',
        cell: (k) =>
          k.revokedAt !== undefined
            ? h('span', { class: 'badge offline', title: absolute(k.revokedAt) }, 'Revoked')
            : page.action(
                'Revoke',
                async () => {
                  await api.delete(`/v1/keys/${k.id}`);
                  return `Revoked the key ${k.prefix}…; it is refused from now on.`;
                },
                { confirmText: `Revoke the key ${k.prefix}…? Programs using it are refused from the next request on.`, danger: true },
              ),
        sort: (k) => (k.revokedAt === undefined ? 0 : 1),
      },
    ],
    formTitle: 'New API key',
    form: (page) => {
      const kind = h('select', { id: 'key-kind', name: 'kind' }, ...API_KEY_KINDS.map((k) => h('option', { value: k }, k)));
      kind.value = 'api';
      const account = h('select', { id: 'key-account', name: 'account' }, h('option', { value: me.username }, me.username));
      const userId = h('input', { id: 'key-user', name: 'userId', autocomplete: 'off', spellcheck: 'false' });
      const label = h('input', { id: 'key-label', name: 'label', autocomplete: 'off', maxlength: LABEL_MAX });
      // Any account may own a key: the list comes from the accounts the page can read.
      void api.get<{ accounts: AccountJson[] }>('/v1/accounts').then(({ accounts }) => {
        account.replaceChildren(...accounts.map((a) => h('option', { value: a.username }, `${a.username} (${a.role})`)));
        account.value = me.username;
      });
      return createForm(
        page,
        'new-key',
        [
          formField('Kind', kind, KIND_HINT),
          formField('Account', account, 'Its role is what an api key may do.'),
          formField('User id', userId, 'api keys only: the application user the key speaks for (optional).'),
          formField('Label', label, 'What the key is for (optional).'),
        ],
        'Create key',
        async () => {
          const created = await api.post<KeyJson>('/v1/keys', {
            kind: kind.value,
            account: account.value,
            ...(userId.value.trim() && { userId: userId.value.trim() }),
            ...(label.value.trim() && { label: label.value.trim() }),
          });
          return secretBox(`The new ${created.kind} key (${created.prefix}…)`, created.key ?? '');
        },
      );
    },
  });
  return page.view();
}
