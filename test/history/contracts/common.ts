// What every role's contract suite shares: how a suite gets a fresh store, and a precise rejection check.
import assert from 'node:assert/strict';
import { afterEach, beforeEach } from 'node:test';
import { isRollcallError } from '../../../src/core/errors.ts';

export interface OpenedStore<S> {
  store: S;
  cleanup: () => Promise<void>;
}

/** Supplies a fresh, empty store for one test, and a way to throw it away afterwards. */
export type OpenStore<S> = () => Promise<OpenedStore<S>>;

/** Rejects with a RollcallError of this code (assert.rejects alone would accept any error). */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isRollcallError(error), `expected a RollcallError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

/** Gives each test of the enclosing suite a fresh store (handed to `use`) and throws it away afterwards. */
export function freshStorePerTest<S>(open: OpenStore<S>, use: (store: S) => void): void {
  let cleanup: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    const opened = await open();
    cleanup = opened.cleanup;
    use(opened.store);
  });
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });
}
