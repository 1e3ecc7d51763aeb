import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { generateApiKey, hashApiKey } from '../../src/auth/api-keys.ts';

describe('API keys', () => {
  it('makes ingest keys rc_in_ + 32 random bytes in base64url', () => {
    const { key, prefix, hash } = generateApiKey('ingest');
    assert.match(key, /^rc_in_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(key.slice('rc_in_'.length), 'base64url').length, 32);
    assert.equal(prefix, key.slice(0, 12));
    assert.equal(hash, createHash('sha256').update(key).digest('hex'));
  });

  it('makes api keys rc_api_ + 32 random bytes in base64url', () => {
    const { key, prefix, hash } = generateApiKey('api');
    assert.match(key, /^rc_api_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(key.slice('rc_api_'.length), 'base64url').length, 32);
    assert.equal(prefix, key.slice(0, 12));
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.equal(hashApiKey(key), hash);
  });

  it('never makes the same key twice', () => {
    const keys = new Set(Array.from({ length: 1_000 }, () => generateApiKey('api').key));
    assert.equal(keys.size, 1_000);
  });

  it('hashes as sha256 hex, so a lookup by hash finds the key presented', () => {
    // FIPS 180-2 test vector for "abc".
    assert.equal(hashApiKey('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.notEqual(hashApiKey('rc_api_x'), hashApiKey('rc_api_y'));
  });
});
