// OAuth clients: programs that take a bearer token with a client id and secret (`POST /oauth2/token`),
// as BeyondTrust's command API does. A new client's secret, and a replaced one, are shown once;
// replacing or removing invalidates the client's tokens.
import { COMMAND_PERMISSIONS, LABEL_MAX } from '../../admin-rules.ts';
import { h } from '../../dom.ts';
import { absolute } from '../../format.ts';
import type { OAuthClientJson } from '../../types.ts';
import type { Context, View } from '../view.ts';
import { AdminPage, createForm, createdColumn, formField, readerNotice, secretBox } from './admin-page.ts';

const clientSecret = (client: OAuthClientJson, what: string) =>
  secretBox(`${what} of the client ${client.id}`, client.secret ?? '', h('p', { class: 'muted' }, 'Client id: ', h('code', {}, client.id)));

export function oauthClientsView(context: Context): View {
  if (context.me.role !== 'admin') return readerNotice('oauth-clients', 'OAuth clients');
  const { api } = context;
  const page = new AdminPage<OAuthClientJson>({
    context,
    section: 'oauth-clients',
    title: 'OAuth clients',
    intro: 'Programs that sign in with a client id and secret (OAuth2 client credentials) and get an hour-long token.',
    listPath: '/v1/oauth-clients',
    listField: 'clients',
    caption: 'OAuth clients',
    emptyText: 'No OAuth clients yet.',
    key: (c) => c.id,
    columns: (page) => [
      { header: 'Client id', className: 'col-clientid', cell: (c) => h('code', {}, c.id), sort: (c) => c.id },
      { header: 'Label', className: 'col-label', cell: (c) => c.label ?? '', sort: (c) => c.label },
      { header: 'Permission', className: 'col-permission', cell: (c) => c.permission, sort: (c) => c.permission },
      createdColumn(),
      {
        header: 'Actions',
        className: 'col-actions',
        cell: (c) =>
          c.revokedAt !== undefined
            ? h('span', { class: 'badge offline', title: absolute(c.revokedAt) }, 'Revoked')
            : [
                page.action(
                  'New secret',
                  async () =>
                    clientSecret(await api.post<OAuthClientJson>(`/v1/oauth-clients/${encodeURIComponent(c.id)}/secret`), 'The new secret'),
                  { confirmText: `Replace the secret of ${c.label ?? c.id}? The old one and every token it got stop working.` },
                ),
                page.action(
                  'Remove',
                  async () => {
                    await api.delete(`/v1/oauth-clients/${encodeURIComponent(c.id)}`);
                    return `Removed the client ${c.label ?? c.id}; its tokens no longer work.`;
                  },
                  { confirmText: `Remove the client ${c.label ?? c.id}? Its tokens stop working.`, danger: true },
                ),
              ],
      },
    ],
    formTitle: 'New OAuth client',
    form: (page) => {
      const permission = h(
        'select',
        { id: 'client-permission', name: 'permission' },
        ...COMMAND_PERMISSIONS.map((p) => h('option', { value: p }, p)),
      );
      permission.value = 'read_only';
      const label = h('input', { id: 'client-label', name: 'label', autocomplete: 'off', maxlength: LABEL_MAX });
      return createForm(
        page,
        'new-client',
        [
          formField('Permission', permission, 'What its tokens may do through the command API.'),
          formField('Label', label, 'What it is for (optional).'),
        ],
        'Create client',
        async () => {
          const created = await api.post<OAuthClientJson>('/v1/oauth-clients', {
            permission: permission.value,
            ...(label.value.trim() && { label: label.value.trim() }),
          });
          return clientSecret(created, 'The secret');
        },
      );
    },
  });
  return page.view();
}
