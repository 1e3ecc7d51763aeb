import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateWebhookSecret, signWebhook } from '../../src/webhooks/signature.ts';

test('a signature is sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">', () => {
  const body = '{"type":"user.online","at":1700000000}';
  const expected = createHmac('sha256', 's3cret-s3cret-s3cret').update(`1700000123.${body}`).digest('hex');
  assert.equal(signWebhook('s3cret-s3cret-s3cret', 1_700_000_123, body), `sha256=${expected}`);
});

test("the README's verification sample accepts a signed delivery and refuses any change to it", async () => {
  const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
  const sample = /To verify,[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(sample, 'the README has a verification sample');
  const { verify } = (await import(`data:text/javascript,${encodeURIComponent(`${sample}\nexport { verify };`)}`)) as {
    verify: (secret: string, headers: Record<string, string>, rawBody: string) => boolean;
  };
  const secret = 'receiver-secret-0123456789';
  const body = '{"deliveryId":"d","eventId":1,"type":"user.online","at":1700000000}';
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = { 'x-rollcall-timestamp': String(timestamp), 'x-rollcall-signature': signWebhook(secret, timestamp, body) };
  assert.equal(verify(secret, headers, body), true);
  assert.equal(verify(secret, headers, `${body} `), false, 'another body');
  assert.equal(verify('another-secret-0123456789', headers, body), false, 'another secret');
  assert.equal(verify(secret, { ...headers, 'x-rollcall-timestamp': String(timestamp + 1) }, body), false, 'another timestamp');
  assert.equal(verify(secret, { ...headers, 'x-rollcall-signature': 'sha256=00' }, body), false, 'another length');
  const old = timestamp - 600;
  assert.equal(
    verify(secret, { 'x-rollcall-timestamp': String(old), 'x-rollcall-signature': signWebhook(secret, old, body) }, body),
    false,
    'too old',
  );
});

test('generated secrets are long, random and recognisable', () => {
  const a = generateWebhookSecret();
  assert.match(a, /^whsec_[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, generateWebhookSecret());
});
