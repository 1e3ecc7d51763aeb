// The SettingsStore contract: named settings and atomic counters.
// Run against every implementation by describeHistoryStoreContract (../history-store.contract.ts).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SettingsStore } from '../../../src/history/history-store.ts';
import { freshStorePerTest, type OpenStore } from './common.ts';

export function describeSettingsStoreContract(name: string, open: OpenStore<SettingsStore>): void {
  describe(`SettingsStore contract: ${name}`, () => {
    let store: SettingsStore;
    freshStorePerTest(open, (opened) => (store = opened));

    describe('settings', () => {
      it('answers undefined for an unset key, then the latest value set', async () => {
        assert.equal(await store.getSetting('node.guid'), undefined);
        await store.setSetting('node.guid', 'abc');
        assert.equal(await store.getSetting('node.guid'), 'abc');
        await store.setSetting('node.guid', 'def');
        assert.equal(await store.getSetting('node.guid'), 'def');
        await store.setSetting('other', '');
        assert.equal(await store.getSetting('other'), '', 'an empty value is a value');
        assert.equal(await store.getSetting('node.guid'), 'def');
      });
    });

    describe('counters', () => {
      it('answers the value before the addition, starting at 0, and accumulates', async () => {
        assert.equal(await store.advanceCounter('session-id', 1), 0);
        assert.equal(await store.advanceCounter('session-id', 1), 1);
        assert.equal(await store.advanceCounter('session-id', 10), 2);
        assert.equal(await store.advanceCounter('session-id', 0), 12);
        assert.equal(await store.advanceCounter('other', 5), 0, 'counters are independent');
        assert.equal(await store.advanceCounter('session-id', 1), 12);
      });

      it('hands out distinct values to concurrent callers', async () => {
        const answers = await Promise.all(Array.from({ length: 50 }, () => store.advanceCounter('c', 2)));
        assert.deepEqual(
          [...answers].sort((a, b) => a - b),
          Array.from({ length: 50 }, (_, i) => i * 2),
        );
        assert.equal(await store.advanceCounter('c', 0), 100);
      });
    });
  });
}
