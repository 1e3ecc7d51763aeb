// Client tokens: HS256 JWTs that an application's backend signs with the token secret, so a browser
// can report its own user's sessions without holding the ingest key (specs/INGEST.md).
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { RollcallError } from '../core/errors.ts';
import { CLIENT_TYPES, type ClientType } from '../core/model.ts';
import { isPlaceName, placeGrants, type PlaceGrants } from '../core/places.ts';

export interface ClientTokenClaims {
  /** The user id the token speaks for. */
  sub: string;
  name?: string;
  email?: string;
  /** User type (staff, customer, …). */
  utype?: string;
  /** Client types the holder may open; ["web"] when absent. */
  ctypes?: ClientType[];
  /** Places the user may join and watch: names, or prefixes ending in `*` (`ticket:*`); none when absent. */
  places?: string[];
}

export interface VerifiedClientToken {
  userId: string;
  name?: string;
  email?: string;
  userType?: string;
  clientTypes: ClientType[];
  places?: PlaceGrants;
  expiresAt: number;
}

/** Entries of a `places` claim, and their length: a token travels in every hello. */
const MAX_PLACE_GRANTS = 100;

const encoder = new TextEncoder();

/** Mints a token; rollcall itself only does this for `rollcall token` and tests. */
export async function signClientToken(secret: string, claims: ClientTokenClaims, ttlSeconds: number): Promise<string> {
  const { sub, ...rest } = claims;
  return new SignJWT({ ...rest })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(encoder.encode(secret));
}

/** Verifies signature, algorithm and expiry, and checks the claims' shapes. Throws `unauthorized`. */
export async function verifyClientToken(secret: string, token: string): Promise<VerifiedClientToken> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, encoder.encode(secret), { algorithms: ['HS256'], requiredClaims: ['sub', 'exp'] }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new RollcallError('unauthorized', 'client token has expired');
    throw new RollcallError('unauthorized', 'client token is invalid');
  }
  const { sub, name, email, utype, ctypes, places, exp } = payload;
  const isShortString = (v: unknown, max: number) => v === undefined || (typeof v === 'string' && v.length <= max);
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128) {
    throw new RollcallError('unauthorized', 'client token: sub must be a user id of 1..128 characters');
  }
  if (!isShortString(name, 256) || !isShortString(email, 256) || !isShortString(utype, 32)) {
    throw new RollcallError('unauthorized', 'client token: name, email or utype has the wrong type or length');
  }
  let clientTypes: ClientType[] = ['web'];
  if (ctypes !== undefined) {
    if (!Array.isArray(ctypes) || !ctypes.every((t) => (CLIENT_TYPES as readonly unknown[]).includes(t))) {
      throw new RollcallError('unauthorized', `client token: ctypes must list client types (${CLIENT_TYPES.join(', ')})`);
    }
    clientTypes = ctypes as ClientType[];
  }
  if (places !== undefined && !isPlacesClaim(places)) {
    throw new RollcallError('unauthorized', `client token: places must list up to ${MAX_PLACE_GRANTS} place names or prefixes ending in *`);
  }
  return {
    userId: sub,
    ...(name !== undefined && { name: name as string }),
    ...(email !== undefined && { email: email as string }),
    ...(utype !== undefined && { userType: utype as string }),
    clientTypes,
    ...(places !== undefined && { places: placeGrants(places) }),
    expiresAt: (exp as number) * 1000,
  };
}

/** A list of place names, each possibly a prefix (`ticket:*`: the name before the star may be empty). */
function isPlacesClaim(value: unknown): value is string[] {
  return (
    Array.isArray(value) &&
    value.length <= MAX_PLACE_GRANTS &&
    value.every((entry) => typeof entry === 'string' && (entry === '*' || isPlaceName(entry.endsWith('*') ? entry.slice(0, -1) : entry)))
  );
}
