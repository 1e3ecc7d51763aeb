// Account passwords, hashed with scrypt (node:crypto, no native add-on). The stored form names its
// parameters, `scrypt$N$r$p$<salt base64>$<hash base64>`, so the cost can be raised later and hashes
// made under older parameters still verify.

import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** CPU/memory cost: 128 * N * r bytes = 16 MiB per hash, about 50 ms on a server core. */
const COST = 16_384;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

// Bounds for parameters read back from a stored string, so a corrupt or hostile value cannot make a
// verification allocate gigabytes or spin for minutes.
const MAX_COST = 1 << 20;
const MAX_BLOCK_SIZE = 32;
const MAX_PARALLELISM = 16;
const MIN_KEY_BYTES = 16;
const MAX_KEY_BYTES = 128;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const DECIMAL = /^[1-9][0-9]{0,9}$/;

function derive(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // NFC: the same password typed on systems that compose accents differently must match.
    scrypt(password.normalize('NFC'), salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** scrypt refuses to run above maxmem (default 32 MiB); allow what the parameters need, plus slack. */
const maxmemFor = (N: number, r: number, p: number): number => 128 * N * r * p + 128 * r * (N + p + 2) + 1024 * 1024;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const options = { N: COST, r: BLOCK_SIZE, p: PARALLELISM, maxmem: maxmemFor(COST, BLOCK_SIZE, PARALLELISM) };
  const key = await derive(password, salt, KEY_BYTES, options);
  return ['scrypt', COST, BLOCK_SIZE, PARALLELISM, salt.toString('base64'), key.toString('base64')].join('$');
}

/**
 * A hash no password matches (its key is all zeros), with the parameters new hashes get. Checking a
 * password against it costs what checking against a real account's hash costs, so a name that has no
 * account answers as slowly as a wrong password: timing tells no one which names exist.
 */
const UNMATCHABLE_HASH = [
  'scrypt',
  COST,
  BLOCK_SIZE,
  PARALLELISM,
  Buffer.alloc(SALT_BYTES).toString('base64'),
  Buffer.alloc(KEY_BYTES).toString('base64'),
].join('$');

/** Does the work of verifying `password` against an account's hash, for a name with no account. Always false. */
export async function verifyAgainstNoAccount(password: string): Promise<false> {
  await verifyPassword(password, UNMATCHABLE_HASH);
  return false;
}

/** False for a wrong password and for a stored value that is not a hash this module understands. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6) return false;
  const [scheme, nText, rText, pText, saltText, hashText] = parts as [string, string, string, string, string, string];
  if (scheme !== 'scrypt') return false;
  if (!DECIMAL.test(nText) || !DECIMAL.test(rText) || !DECIMAL.test(pText)) return false;
  const N = Number(nText);
  const r = Number(rText);
  const p = Number(pText);
  // N must be a power of two above 1.
  if (N < 2 || N > MAX_COST || (N & (N - 1)) !== 0) return false;
  if (r > MAX_BLOCK_SIZE || p > MAX_PARALLELISM) return false;
  if (!BASE64.test(saltText) || !BASE64.test(hashText)) return false;
  const salt = Buffer.from(saltText, 'base64');
  const expected = Buffer.from(hashText, 'base64');
  if (salt.length === 0 || expected.length < MIN_KEY_BYTES || expected.length > MAX_KEY_BYTES) return false;
  try {
    const actual = await derive(password, salt, expected.length, { N, r, p, maxmem: maxmemFor(N, r, p) });
    return timingSafeEqual(actual, expected);
  } catch {
    return false;
  }
}
