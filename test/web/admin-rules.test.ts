// The admin forms check what the API checks: the page's copies of the server's rules (kept apart
// because the server's modules import node:crypto) are the server's own values.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MIN_PASSWORD_LENGTH, USERNAME_PATTERN } from '../../src/auth/administration.ts';
import * as page from '../../src/web/client/admin-rules.ts';
import { WEBHOOK_LIMITS } from '../../src/webhooks/subscriptions.ts';

describe("the admin forms' rules", () => {
  test('are the API’s', () => {
    assert.equal(page.USERNAME_PATTERN, USERNAME_PATTERN);
    assert.equal(page.MIN_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH);
    assert.deepEqual(page.WEBHOOK_LIMITS, WEBHOOK_LIMITS);
  });

  test('say what is wrong with a user name or a password, and nothing when they are fine', () => {
    assert.equal(page.usernameProblem('olga.k@example'), undefined);
    assert.match(page.usernameProblem('two words') ?? '', /letters, digits/);
    assert.match(page.usernameProblem('x'.repeat(65)) ?? '', /1 to 64/);
    assert.equal(page.passwordProblem(''), undefined, 'empty: one is generated');
    assert.match(page.passwordProblem('short') ?? '', /at least 8/);
    assert.equal(page.passwordProblem('long-enough'), undefined);
  });
});
