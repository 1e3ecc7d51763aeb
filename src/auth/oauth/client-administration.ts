// Managing OAuth2 API clients, the credentials BeyondTrust integrations trade for bearer tokens at
// POST /oauth2/token. The rules live here, apart from any transport, so `rollcall clients` and the
// admin API (/v1/oauth-clients) apply the same ones: a random client id, a secret shown once and stored
// as its sha256, a permission the command API knows, and that revoking a client or giving it a new
// secret invalidates every token it holds, at once on every node (they check tokens in the same store).
import { RollcallError } from '../../core/errors.ts';
import type { ApiClientRecord, ApiClientStore, CommandPermission } from '../../history/history-store.ts';
import { generateClientId, generateClientSecret } from './api-clients.ts';

/** Characters of a label: a note for listings, not a document. */
export const API_CLIENT_LABEL_MAX = 256;

export interface NewApiClientRequest {
  /** What the client may do through the BeyondTrust command API. */
  permission: CommandPermission;
  /** A note shown in listings. */
  label?: string;
}

/** A client with a secret just set: the one time anyone sees the secret. */
export interface ClientWithSecret {
  record: ApiClientRecord;
  secret: string;
}

export class ApiClientAdministration {
  constructor(private readonly history: ApiClientStore) {}

  /** Every client, revoked ones included, oldest first. */
  list(): Promise<ApiClientRecord[]> {
    return this.history.listApiClients();
  }

  async create(request: NewApiClientRequest): Promise<ClientWithSecret> {
    // The store refuses a permission the command API does not know.
    if (request.label !== undefined && (request.label.length === 0 || request.label.length > API_CLIENT_LABEL_MAX)) {
      throw new RollcallError('invalid_parameter', `label: 1-${API_CLIENT_LABEL_MAX} characters`);
    }
    const { secret, secretHash } = generateClientSecret();
    const record = await this.history.createApiClient({
      id: generateClientId(),
      permission: request.permission,
      secretHash,
      ...(request.label !== undefined && { label: request.label }),
    });
    return { record, secret };
  }

  /** Gives a live client a new secret; the tokens it holds stop working at once. */
  async regenerateSecret(id: string): Promise<ClientWithSecret> {
    const { secret, secretHash } = generateClientSecret();
    if (!(await this.history.replaceApiClientSecret(id, secretHash))) throw clientNotFound(id);
    // Revoked in the moment since: the new secret opens nothing, so it is not worth showing.
    const record = await this.history.findApiClient(id);
    if (!record) throw clientNotFound(id);
    return { record, secret };
  }

  /** Revokes a live client; the tokens it holds stop working at once. It stays listed, with revokedAt. */
  async revoke(id: string): Promise<void> {
    if (!(await this.history.revokeApiClient(id))) throw clientNotFound(id);
  }
}

const clientNotFound = (id: string) => new RollcallError('not_found', `no live API client with id ${id}`);
