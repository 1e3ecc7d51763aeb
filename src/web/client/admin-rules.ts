// The rules the admin forms check before sending: the API's own. Where they live on the server
// (auth/administration.ts, webhooks/subscriptions.ts) node:crypto is imported too, so those values are
// written again here, and test/web/admin-rules.test.ts holds the two copies equal. The server checks
// everything anyway (a URL, for one, only there) and the form shows its answer; checking first only
// spares a round trip and says what is wrong beside the field.
export { ACCOUNT_ROLES, API_KEY_KINDS, COMMAND_PERMISSIONS } from '../../history/roles/accounts.ts';
export { WEBHOOK_DELIVERY_STATUSES } from '../../history/roles/webhooks.ts';
export { PRESENCE_CHANGE_TYPES } from '../../stream/event-types.ts';

/** Letters, digits and `._@-`, 1 to 64 of them (auth/administration.ts). */
export const USERNAME_PATTERN = '^[A-Za-z0-9._@-]{1,64}$';
export const MIN_PASSWORD_LENGTH = 8;
/** webhooks/subscriptions.ts: a URL's length, and a given secret's. */
export const WEBHOOK_LIMITS = { url: 2048, secretMin: 16, secretMax: 256 } as const;
/** The longest API key label the API takes (api/admin-routes.ts). */
export const LABEL_MAX = 256;

/** What is wrong with a username, or undefined when it is fine. */
export const usernameProblem = (username: string): string | undefined =>
  new RegExp(USERNAME_PATTERN).test(username) ? undefined : 'A user name is 1 to 64 letters, digits or . _ @ -';

export const passwordProblem = (password: string): string | undefined =>
  password === '' || password.length >= MIN_PASSWORD_LENGTH ? undefined : `A password has at least ${MIN_PASSWORD_LENGTH} characters.`;
