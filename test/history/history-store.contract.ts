// The HistoryStore contract: every implementation (SQLite, PostgreSQL) runs this from its own *.test.ts,
// supplying a fresh, empty store per test. It is one contract suite per role (./contracts/), so a
// class that implements only some roles can run just those.
import { describe, it } from 'node:test';
import type { HistoryStore } from '../../src/history/history-store.ts';
import { describeAccountStoreContract } from './contracts/accounts.contract.ts';
import { describeApiClientStoreContract } from './contracts/api-clients.contract.ts';
import { freshStorePerTest, type OpenedStore, type OpenStore } from './contracts/common.ts';
import { describePresenceHistoryContract } from './contracts/presence-history.contract.ts';
import { describeSessionLogContract } from './contracts/session-log.contract.ts';
import { describeSettingsStoreContract } from './contracts/settings.contract.ts';
import { describeWebhookStoreContract } from './contracts/webhooks.contract.ts';

export type OpenedHistoryStore = OpenedStore<HistoryStore>;

export function describeHistoryStoreContract(name: string, open: OpenStore<HistoryStore>): void {
  describeAccountStoreContract(name, open);
  describeApiClientStoreContract(name, open);
  describePresenceHistoryContract(name, open);
  describeSessionLogContract(name, open);
  describeWebhookStoreContract(name, open);
  describeSettingsStoreContract(name, open);

  describe(`HistoryStore contract: ${name}`, () => {
    let store: HistoryStore;
    freshStorePerTest(open, (opened) => (store = opened));

    it('may be closed more than once', async () => {
      await store.close();
      await store.close();
    });
  });
}
