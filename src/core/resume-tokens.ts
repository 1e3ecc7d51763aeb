// Resume tokens: `<session id>.<secret>`. A WebSocket client that lost its socket shows the token to
// take its session back. Only a digest of the secret is kept with the session.
import { createHash, randomFillSync, timingSafeEqual } from 'node:crypto';

const SECRET_BYTES = 24;
/** Bytes of the sha256 kept: 128 bits recognise a 192-bit random secret as well as all 256 would. */
const DIGEST_BYTES = 16;

/**
 * Secrets are cut from a pool filled 64 KB at a time: one call to the system's generator per 2,730
 * tokens instead of one each, which was a third of what opening a session cost.
 */
const pool = Buffer.alloc(SECRET_BYTES * 2730);
let poolOffset = pool.length;

function randomSecret(): string {
  if (poolOffset + SECRET_BYTES > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const secret = pool.toString('base64url', poolOffset, poolOffset + SECRET_BYTES);
  // Spent bytes are overwritten so a secret never stays in the pool after it is handed out.
  pool.fill(0, poolOffset, poolOffset + SECRET_BYTES);
  poolOffset += SECRET_BYTES;
  return secret;
}

const digest = (secret: string) => createHash('sha256').update(secret).digest().subarray(0, DIGEST_BYTES);

export function newResumeToken(id: number): { token: string; hash: string } {
  const secret = randomSecret();
  return { token: `${id}.${secret}`, hash: digest(secret).toString('base64url') };
}

/** Whether `secret` is the one whose digest is `storedHash`, in constant time. */
export function isResumeSecret(storedHash: string, secret: string): boolean {
  const expected = Buffer.from(storedHash, 'base64url');
  const actual = digest(secret);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
