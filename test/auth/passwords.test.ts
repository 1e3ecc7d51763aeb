import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scryptSync } from 'node:crypto';
import { hashPassword, verifyPassword } from '../../src/auth/passwords.ts';

describe('passwords', () => {
  it('stores a self-describing scrypt hash with a 16-byte salt and a 32-byte key', async () => {
    const stored = await hashPassword('correct horse battery staple');
    const match = /^scrypt\$16384\$8\$1\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/.exec(stored);
    assert.ok(match, stored);
    assert.equal(Buffer.from(match[1]!, 'base64').length, 16);
    assert.equal(Buffer.from(match[2]!, 'base64').length, 32);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('s3cret-pass');
    assert.equal(await verifyPassword('s3cret-pass', stored), true);
    assert.equal(await verifyPassword('s3cret-pasS', stored), false);
    assert.equal(await verifyPassword('', stored), false);
    assert.equal(await verifyPassword('s3cret-pass ', stored), false);
  });

  it('salts: two hashes of one password differ and both verify', async () => {
    const a = await hashPassword('same');
    const b = await hashPassword('same');
    assert.notEqual(a, b);
    assert.equal(await verifyPassword('same', a), true);
    assert.equal(await verifyPassword('same', b), true);
  });

  it('matches a password however its accents are composed', async () => {
    const stored = await hashPassword('caf\u00e9'); // é as one code point
    assert.equal(await verifyPassword('cafe\u0301', stored), true); // e + combining acute
  });

  it('verifies hashes made under other parameters, read from the stored form', async () => {
    const stored = await hashPassword('pw');
    const salt = stored.split('$')[4]!;
    // N=1024, r=4, p=2 and a 64-byte key, as an older or newer release might have written.
    const key = scryptSync('pw', Buffer.from(salt, 'base64'), 64, { N: 1024, r: 4, p: 2 });
    const other = `scrypt$1024$4$2$${salt}$${key.toString('base64')}`;
    assert.equal(await verifyPassword('pw', other), true);
    assert.equal(await verifyPassword('px', other), false);
  });

  it('answers false, never throws, for a malformed stored value', async () => {
    const good = await hashPassword('pw');
    const [, n, r, p, salt, hash] = good.split('$');
    const malformed = [
      '',
      'pw',
      '$$$$$',
      `bcrypt$${n}$${r}$${p}$${salt}$${hash}`,
      `scrypt$${n}$${r}$${p}$${salt}`,
      `scrypt$${n}$${r}$${p}$${salt}$${hash}$extra`,
      `scrypt$1000$${r}$${p}$${salt}$${hash}`, // N not a power of two
      `scrypt$1$${r}$${p}$${salt}$${hash}`,
      `scrypt$1073741824$${r}$${p}$${salt}$${hash}`, // N far too costly
      `scrypt$${n}$0$${p}$${salt}$${hash}`,
      `scrypt$${n}$-8$${p}$${salt}$${hash}`,
      `scrypt$${n}$8.5$${p}$${salt}$${hash}`,
      `scrypt$${n}$${r}$999$${salt}$${hash}`,
      `scrypt$${n}$${r}$${p}$$${hash}`,
      `scrypt$${n}$${r}$${p}$not*base64$${hash}`,
      `scrypt$${n}$${r}$${p}$${salt}$`,
      `scrypt$${n}$${r}$${p}$${salt}$AAAA`, // a 3-byte key
    ];
    for (const stored of malformed) {
      assert.equal(await verifyPassword('pw', stored), false, stored);
    }
  });
});
