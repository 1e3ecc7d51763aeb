// First start: create the `admin` account and an ingest key when there are none, and hand their
// secrets back exactly once so the operator can note them. Both persist (hashed) in history.
// Several nodes of a cluster may start at once on an empty shared history: one of them creates each,
// and only that one prints its secret.
import { randomBytes } from 'node:crypto';
import { generateApiKey } from '../auth/api-keys.ts';
import { hashPassword } from '../auth/passwords.ts';
import { isRollcallError } from '../core/errors.ts';
import type { AccountStore, SettingsStore } from '../history/history-store.ts';

export const BOOTSTRAP_ADMIN = 'admin';
const INGEST_KEY_SETTING = 'bootstrap.ingest_key_created';
/** A counter whose first step (from 0) is the right to generate the ingest key: one node gets it. */
const INGEST_KEY_CLAIM = 'bootstrap.ingest_key_claims';

export interface FirstStartSecrets {
  /** Set only when the admin account was created now with a generated password. */
  adminPassword?: string;
  /** Set only when an ingest key was generated now. */
  ingestKey?: string;
}

export async function bootstrap(
  history: AccountStore & SettingsStore,
  options: { adminPassword?: string; configuredIngestKey?: string },
): Promise<FirstStartSecrets> {
  const secrets: FirstStartSecrets = {};
  let admin = await history.findAccount(BOOTSTRAP_ADMIN);
  if (!admin && (await history.listAccounts()).length === 0) {
    const password = options.adminPassword ?? randomBytes(12).toString('base64url');
    try {
      admin = await history.createAccount({ username: BOOTSTRAP_ADMIN, role: 'admin', passwordHash: await hashPassword(password) });
      if (!options.adminPassword) secrets.adminPassword = password;
    } catch (error) {
      // Another node starting at the same moment created it (and printed its password).
      if (!isRollcallError(error) || error.code !== 'conflict') throw error;
      admin = await history.findAccount(BOOTSTRAP_ADMIN);
    }
  }
  // A configured key needs nothing stored; otherwise generate one, once in the history's life.
  if (!options.configuredIngestKey && !(await history.getSetting(INGEST_KEY_SETTING))) {
    const owner = admin ?? (await history.listAccounts()).find((a) => a.role === 'admin');
    if (owner && (await history.advanceCounter(INGEST_KEY_CLAIM, 1)) === 0) {
      const key = generateApiKey('ingest');
      await history.createApiKey({
        kind: 'ingest',
        accountId: owner.id,
        label: 'generated on first start',
        prefix: key.prefix,
        hash: key.hash,
      });
      await history.setSetting(INGEST_KEY_SETTING, new Date().toISOString());
      secrets.ingestKey = key.key;
    }
  }
  return secrets;
}
