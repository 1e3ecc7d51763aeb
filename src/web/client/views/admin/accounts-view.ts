// Accounts: who may sign in (admins manage, readers read). Creating one without a password generates
// it and shows it once; removing one revokes its keys; the server refuses to remove the last admin and
// the page says so.
import { ACCOUNT_ROLES, COMMAND_PERMISSIONS, MIN_PASSWORD_LENGTH, passwordProblem, usernameProblem } from '../../admin-rules.ts';
import { h } from '../../dom.ts';
import type { AccountJson } from '../../types.ts';
import type { Context, View } from '../view.ts';
import { AdminPage, createForm, createdColumn, formField, readerNotice, secretBox } from './admin-page.ts';

const PERMISSION_LABELS: Record<string, string> = { full: 'Full', read_only: 'Read only', deny: 'None' };

export function accountsView(context: Context): View {
  if (context.me.role !== 'admin') return readerNotice('accounts', 'Accounts');
  const page = new AdminPage<AccountJson>({
    context,
    section: 'accounts',
    title: 'Accounts',
    intro: 'Who may sign in to the dashboard and the API: admins manage rollcall, readers read presence.',
    listPath: '/v1/accounts',
    listField: 'accounts',
    caption: 'Accounts',
    emptyText: 'No accounts.',
    key: (account) => account.username,
    columns: (page) => [
      { header: 'User name', className: 'col-name', cell: (a) => h('strong', {}, a.username), sort: (a) => a.username },
      { header: 'Role', className: 'col-role', cell: (a) => a.role, sort: (a) => a.role },
      {
        header: 'Command API',
        className: 'col-permission',
        cell: (a) => PERMISSION_LABELS[a.commandPermission] ?? a.commandPermission,
        sort: (a) => a.commandPermission,
      },
      createdColumn(),
      {
        header: 'Actions',
        className: 'col-actions',
        cell: (a) => [
          page.action(
            'New password',
            async () => {
              const changed = await context.api.post<AccountJson>(`/v1/accounts/${encodeURIComponent(a.username)}/password`, {});
              return secretBox(`The new password of ${changed.username}`, changed.password ?? '');
            },
            { confirmText: `Give ${a.username} a new, generated password? The old one stops working at once; its API keys stay valid.` },
          ),
          a.username === context.me.username
            ? h('span', { class: 'muted' }, 'you')
            : page.action(
                'Remove',
                async () => {
                  await context.api.delete(`/v1/accounts/${encodeURIComponent(a.username)}`);
                  return `Removed ${a.username}; its API keys are revoked.`;
                },
                { confirmText: `Remove the account ${a.username}? Its API keys are revoked too.`, danger: true },
              ),
        ],
      },
    ],
    formTitle: 'New account',
    form: (page) => {
      const username = h('input', {
        id: 'account-username',
        name: 'username',
        autocomplete: 'off',
        spellcheck: 'false',
        maxlength: 64,
        required: true,
      });
      const role = h('select', { id: 'account-role', name: 'role' }, ...ACCOUNT_ROLES.map((r) => h('option', { value: r }, r)));
      role.value = 'reader';
      const password = h('input', {
        id: 'account-password',
        name: 'password',
        type: 'password',
        autocomplete: 'new-password',
        minlength: MIN_PASSWORD_LENGTH,
      });
      const permission = h(
        'select',
        { id: 'account-permission', name: 'commandPermission' },
        h('option', { value: '' }, 'As the role allows'),
        ...COMMAND_PERMISSIONS.map((p) => h('option', { value: p }, PERMISSION_LABELS[p] ?? p)),
      );
      return createForm(
        page,
        'new-account',
        [
          formField('User name', username, 'Letters, digits and . _ @ -'),
          formField('Role', role),
          formField('Password', password, `At least ${MIN_PASSWORD_LENGTH} characters; leave empty to have one generated.`),
          formField('Command API', permission, 'What the BeyondTrust command API lets it do.'),
        ],
        'Create account',
        async () => {
          const problem = usernameProblem(username.value) ?? passwordProblem(password.value);
          if (problem) throw new Error(problem);
          const created = await context.api.post<AccountJson>('/v1/accounts', {
            username: username.value,
            role: role.value,
            ...(password.value && { password: password.value }),
            ...(permission.value && { commandPermission: permission.value }),
          });
          return created.password
            ? secretBox(`The password of ${created.username}`, created.password)
            : `Created ${created.username} (${created.role}).`;
        },
      );
    },
  });
  return page.view();
}
