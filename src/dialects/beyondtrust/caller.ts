// Who calls the command API and with which permission: an OAuth2 bearer token of an API client, or the
// legacy `username`/`password` parameters of a rollcall account. Checked on every request, cached
// answers included: the response cache only ever saves the work after this check.
import type { Credentials } from '../../auth/credentials.ts';
import { parseBearer } from '../../auth/credentials.ts';
import type { OAuthClients } from '../../auth/oauth/api-clients.ts';
import { RollcallError } from '../../core/errors.ts';
import type { CommandPermission } from '../../history/history-store.ts';
import { single, type RawParams } from './params.ts';

export interface CommandCaller {
  /** Never `deny`: such callers are refused here. */
  permission: Exclude<CommandPermission, 'deny'>;
}

export async function authenticateCaller(
  authorization: string | undefined,
  params: RawParams,
  credentials: Credentials,
  oauth: OAuthClients,
  from: string,
): Promise<CommandCaller> {
  const permission = await permissionOf(authorization, params, credentials, oauth, from);
  if (permission === 'deny') throw new RollcallError('forbidden', 'this account is not allowed to use the command API');
  return { permission };
}

async function permissionOf(
  authorization: string | undefined,
  params: RawParams,
  credentials: Credentials,
  oauth: OAuthClients,
  from: string,
): Promise<CommandPermission> {
  const bearer = parseBearer(authorization);
  if (bearer !== undefined) return (await oauth.verifyAccessToken(bearer, from)).permission;
  const username = single(params, 'username');
  const password = single(params, 'password');
  if (username === undefined && password === undefined) {
    throw new RollcallError(
      'unauthorized',
      'missing credentials: send username and password, or Authorization: Bearer <token> from POST /oauth2/token',
    );
  }
  return (await credentials.account(username ?? '', password ?? '', from)).commandPermission;
}
