// Client tokens for simulated users, signed with the server's token secret the way an application's
// backend would sign them (specs/INGEST.md "Client tokens"). One token per user, reused until it nears
// expiry, so a crowd of reconnecting clients does not sign hundreds of JWTs at once.
import { signClientToken } from '../auth/client-tokens.ts';
import type { DemoUser } from './population.ts';

/** Lifetime of a demo token, in seconds. */
const TOKEN_TTL_SECONDS = 3_600;
/** A token with less than this many seconds left is replaced. */
const RENEW_BEFORE_SECONDS = 300;

export class TokenMint {
  readonly #secret: string;
  readonly #now: () => number;
  readonly #cache = new Map<string, { token: Promise<string>; expiresAt: number }>();

  constructor(secret: string, now: () => number = Date.now) {
    this.#secret = secret;
    this.#now = now;
  }

  token(user: DemoUser): Promise<string> {
    const nowSeconds = this.#now() / 1000;
    const cached = this.#cache.get(user.id);
    if (cached && cached.expiresAt - nowSeconds > RENEW_BEFORE_SECONDS) return cached.token;
    const token = signClientToken(
      this.#secret,
      {
        sub: user.id,
        name: user.name,
        ...(user.email !== undefined && { email: user.email }),
        utype: user.type,
        ctypes: [...user.clientTypes],
      },
      TOKEN_TTL_SECONDS,
    );
    this.#cache.set(user.id, { token, expiresAt: nowSeconds + TOKEN_TTL_SECONDS });
    token.catch(() => this.#cache.delete(user.id));
    return token;
  }
}
