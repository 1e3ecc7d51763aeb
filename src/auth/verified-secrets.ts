// Secrets this process has already verified (API keys, passwords), so that a caller who sends the same
// one on every request pays a constant-time comparison instead of a hash (sha256 for keys, scrypt for
// passwords).
//
// This is no authority: whoever uses it still reads the key or account from the history store on every
// request and checks the remembered proof against what is stored now, so a key revoked or an account
// changed anywhere (the admin API, the CLI in another process) is refused at once. Only secrets that
// passed are remembered; a secret that differs from the remembered one by a single character recalls
// nothing.
interface Entry {
  secret: string;
  proof: string;
}

export class VerifiedSecrets {
  private readonly entries = new Map<string, Entry>();

  /** `limit`: entries kept at most; the table is dropped whole when full (callers then verify again). */
  constructor(private readonly limit: number) {}

  /**
   * The proof remembered for `id` (a user name, a key's shown prefix: never the secret itself) when
   * `secret` is exactly the secret it was remembered with; undefined otherwise.
   */
  recall(id: string, secret: string): string | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    return sameSecret(secret, entry.secret) ? entry.proof : undefined;
  }

  /** Call only once `secret` has been verified against `proof` (a stored hash, or the key's own hash). */
  remember(id: string, secret: string, proof: string): void {
    if (this.entries.size >= this.limit && !this.entries.has(id)) this.entries.clear();
    this.entries.set(id, { secret, proof });
  }
}

/**
 * Whether `given` is `expected`, in time that does not depend on where they differ (what
 * crypto.timingSafeEqual does for buffers, without encoding a buffer on every request). Lengths are
 * no secret (keys have fixed formats), so a different length answers at once.
 */
export function sameSecret(given: string, expected: string): boolean {
  if (given.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= given.charCodeAt(i) ^ expected.charCodeAt(i);
  return difference === 0;
}
