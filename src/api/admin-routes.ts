// Admin operations over HTTP: accounts (their passwords and command-API permissions too), API keys, and
// this node's lockouts. Admin role only (an admin account, or an API key of one); readers get 403.
// Generated secrets (a password when none is given, every new key) are in the answer that made them
// and nowhere else: they are stored hashed and never logged. The rules are auth/administration.ts's,
// shared with the CLI's.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { MIN_PASSWORD_LENGTH, USERNAME_PATTERN, type Administration, type ListedKey } from '../auth/administration.ts';
import type { Credentials } from '../auth/credentials.ts';
import type { Throttle } from '../auth/throttle.ts';
import { RollcallError } from '../core/errors.ts';
import { LIMITS } from '../core/input-schemas.ts';
import { ACCOUNT_ROLES, API_KEY_KINDS, COMMAND_PERMISSIONS, type Account } from '../history/history-store.ts';
import { NO_STORE } from '../http/security-headers.ts';
import { requireReader } from './access.ts';
import { toSeconds } from './presence-json.ts';
import { NoContent, READER_SECURITY, errorResponses, stringEnum } from './schemas.ts';

export interface AdminRoutesOptions {
  administration: Administration;
  credentials: Credentials;
  /** This node's failed credential checks and lockouts (/v1/lockouts). */
  throttle: Throttle;
}

const Username = Type.String({ pattern: USERNAME_PATTERN, description: '1-64 letters, digits or . _ @ -' });
const Role = stringEnum(ACCOUNT_ROLES, { description: 'admin: reads and manages; reader: reads' });
const CommandPermission = stringEnum(COMMAND_PERMISSIONS, {
  description: 'What the account may do through the BeyondTrust command API (default: full for admins, read_only for readers)',
});

const AccountJson = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  role: Role,
  commandPermission: CommandPermission,
  createdAt: Type.Integer({ description: 'Unix seconds' }),
});
const NewAccountBody = Type.Object(
  {
    username: Username,
    role: Role,
    password: Type.Optional(
      Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: 1024, description: 'Generated and answered once when absent' }),
    ),
    commandPermission: Type.Optional(CommandPermission),
  },
  { additionalProperties: false },
);
const CreatedAccountJson = Type.Object({
  ...AccountJson.properties,
  password: Type.Optional(Type.String({ description: 'Only when generated: shown this once, stored hashed' })),
});
const AccountPatchBody = Type.Object({ commandPermission: CommandPermission }, { additionalProperties: false });
const NewPasswordBody = Type.Object(
  {
    password: Type.Optional(
      Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: 1024, description: 'Generated and answered once when absent' }),
    ),
  },
  // No body at all asks for a generated password, like {} (compileValidator applies the default).
  { additionalProperties: false, default: {} },
);

const KeyJson = Type.Object({
  id: Type.Integer(),
  kind: stringEnum(API_KEY_KINDS, { description: "api: reads presence with its account's rights; ingest: reports sessions" }),
  account: Type.Union([Type.String(), Type.Null()], { description: 'The owning account; null once it was removed (its keys are revoked)' }),
  userId: Type.Optional(Type.String({ description: 'The application user an api key speaks for' })),
  label: Type.Optional(Type.String()),
  prefix: Type.String({ description: 'The first characters of the key, to tell keys apart' }),
  createdAt: Type.Integer({ description: 'Unix seconds' }),
  revokedAt: Type.Optional(Type.Integer({ description: 'Unix seconds; absent while the key is live' })),
});
const NewKeyBody = Type.Object(
  {
    kind: KeyJson.properties.kind,
    account: Type.Optional(
      Type.String({
        pattern: USERNAME_PATTERN,
        description: "The owning account (default: the caller's); its role is what the key may do",
      }),
    ),
    userId: Type.Optional(
      Type.String({ minLength: 1, maxLength: LIMITS.userId, description: 'api keys only: the application user the key speaks for' }),
    ),
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  },
  { additionalProperties: false },
);
const CreatedKeyJson = Type.Object({
  ...KeyJson.properties,
  key: Type.String({ description: 'The key itself: shown this once, stored hashed' }),
});

const accountJson = (account: Account) => ({
  id: account.id,
  username: account.username,
  role: account.role,
  commandPermission: account.commandPermission,
  createdAt: toSeconds(account.createdAt),
});

const keyJson = ({ record, account }: ListedKey) => ({
  id: record.id,
  kind: record.kind,
  account: account ?? null,
  ...(record.userId !== undefined && { userId: record.userId }),
  ...(record.label !== undefined && { label: record.label }),
  prefix: record.prefix,
  createdAt: toSeconds(record.createdAt),
  ...(record.revokedAt !== undefined && { revokedAt: toSeconds(record.revokedAt) }),
});

const LockoutJson = Type.Object({
  key: Type.String({
    description:
      '`address:<ip>` (IPv6: `address:<first 64 bits>::/64`), `account:<name>`, `key:<shown prefix>` or `client:<OAuth client id>`',
  }),
  failures: Type.Integer({ description: 'Failed checks counted against it' }),
  lockedUntil: Type.Integer({ description: 'Unix seconds; checks are refused with 429 until then' }),
});
const LiftQuery = Type.Object(
  { key: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The lockout to lift; all of them when absent' })) },
  { additionalProperties: false },
);

export const adminRoutes: FastifyPluginAsyncTypebox<AdminRoutesOptions> = async (app, { administration, credentials, throttle }) => {
  const access = requireReader(app, credentials, { admin: true });
  const common = { tags: ['admin'], security: READER_SECURITY };
  const UsernameParams = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }) });
  const KeyParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

  app.get(
    '/v1/accounts',
    {
      schema: {
        ...common,
        summary: 'List accounts',
        response: { 200: Type.Object({ accounts: Type.Array(AccountJson) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ accounts: (await administration.listAccounts()).map(accountJson) }),
  );

  app.post(
    '/v1/accounts',
    {
      schema: {
        ...common,
        summary: 'Create an account',
        description: 'Without a password, one is generated and answered this once.',
        body: NewAccountBody,
        response: { 201: CreatedAccountJson, ...errorResponses(400, 401, 403, 409, 415) },
      },
    },
    async (request, reply) => {
      const { account, generatedPassword } = await administration.createAccount(request.body);
      return reply
        .status(201)
        .header('cache-control', NO_STORE)
        .send({ ...accountJson(account), ...(generatedPassword !== undefined && { password: generatedPassword }) });
    },
  );

  app.get(
    '/v1/accounts/:username',
    {
      schema: {
        ...common,
        summary: 'One account',
        params: UsernameParams,
        response: { 200: AccountJson, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => accountJson(await administration.getAccount(request.params.username)),
  );

  app.patch(
    '/v1/accounts/:username',
    {
      schema: {
        ...common,
        summary: "Change an account's command-API permission",
        description: 'What it may do through the BeyondTrust command API; its next request there is checked against it.',
        params: UsernameParams,
        body: AccountPatchBody,
        response: { 200: AccountJson, ...errorResponses(400, 401, 403, 404, 415) },
      },
    },
    async (request) => accountJson(await administration.setCommandPermission(request.params.username, request.body.commandPermission)),
  );

  app.post(
    '/v1/accounts/:username/password',
    {
      schema: {
        ...common,
        summary: "Set or reset an account's password",
        description:
          'The password given, or without one a generated password, answered this once. The old password stops working at ' +
          'once; the API keys of the account stay valid.',
        params: UsernameParams,
        body: NewPasswordBody,
        response: { 200: CreatedAccountJson, ...errorResponses(400, 401, 403, 404, 415) },
      },
    },
    async (request, reply) => {
      const { username } = request.params;
      const { generatedPassword } = await administration.changePassword(username, request.body.password);
      const account = accountJson(await administration.getAccount(username));
      if (generatedPassword === undefined) return account;
      return reply.header('cache-control', NO_STORE).send({ ...account, password: generatedPassword });
    },
  );

  app.delete(
    '/v1/accounts/:username',
    {
      schema: {
        ...common,
        summary: 'Remove an account',
        description: 'Revokes its API keys too. The last admin account cannot be removed (409).',
        params: UsernameParams,
        response: { 204: NoContent, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await administration.removeAccount(request.params.username);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/keys',
    {
      schema: {
        ...common,
        summary: 'List API keys',
        description: 'Revoked keys included. Keys themselves are never shown again; prefixes tell them apart.',
        response: { 200: Type.Object({ keys: Type.Array(KeyJson) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({ keys: (await administration.listKeys()).map(keyJson) }),
  );

  app.post(
    '/v1/keys',
    {
      schema: {
        ...common,
        summary: 'Create an API key',
        description: 'The key is answered this once and stored hashed.',
        body: NewKeyBody,
        response: { 201: CreatedKeyJson, ...errorResponses(400, 401, 403, 404, 415) },
      },
    },
    async (request, reply) => {
      const { account = access.readerOf(request).account.username, ...rest } = request.body;
      const { record, key } = await administration.createKey({ ...rest, account });
      return reply
        .status(201)
        .header('cache-control', NO_STORE)
        .send({ ...keyJson({ record, account }), key });
    },
  );

  app.get(
    '/v1/keys/:id',
    {
      schema: {
        ...common,
        summary: 'One API key',
        params: KeyParams,
        response: { 200: KeyJson, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => keyJson(await administration.getKey(request.params.id)),
  );

  app.get(
    '/v1/lockouts',
    {
      schema: {
        ...common,
        summary: 'Lockouts in force on this node',
        description: 'Client addresses and accounts (keys, OAuth clients) refused with 429 after failed credential checks, and until when.',
        response: { 200: Type.Object({ lockouts: Type.Array(LockoutJson) }), ...errorResponses(401, 403) },
      },
    },
    async () => ({
      lockouts: throttle
        .lockouts()
        .map(({ key, failures, lockedUntil }) => ({ key, failures, lockedUntil: Math.ceil(lockedUntil / 1000) })),
    }),
  );

  app.delete(
    '/v1/lockouts',
    {
      schema: {
        ...common,
        summary: 'Lift a lockout (or all of them) on this node',
        description:
          'Forgets the failures counted against the key, so its next check runs at once. Without `key`, every lockout and count goes.',
        querystring: LiftQuery,
        response: { 200: Type.Object({ lifted: Type.Integer({ description: 'Keys forgotten' }) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { key } = request.query;
      const lifted = throttle.lift(key);
      if (key !== undefined && lifted === 0) throw new RollcallError('not_found', `no failures are counted against ${key}`);
      return { lifted };
    },
  );

  app.delete(
    '/v1/keys/:id',
    {
      schema: {
        ...common,
        summary: 'Revoke an API key',
        description: 'A revoked key is refused from the next request on.',
        params: KeyParams,
        response: { 204: NoContent, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await administration.revokeKey(request.params.id);
      return reply.status(204).send(null);
    },
  );
};
