// Who is asking. Transports turn credentials into an Actor; the core decides what each may do.
import { CLIENT_TYPES, type ClientType } from './model.ts';
import type { PlaceGrants } from './places.ts';

export type Actor =
  /** The ingest key: a trusted application backend that may report any user. */
  | { kind: 'ingest' }
  /**
   * A client token: may only report its own user, with the client types the token allows, and join
   * and watch the places it grants (none without a `places` claim).
   */
  | {
      kind: 'client';
      userId: string;
      name?: string;
      email?: string;
      userType?: string;
      clientTypes: readonly ClientType[];
      places?: PlaceGrants;
    }
  /** An account acting through the API (admin operations such as ending a session). */
  | { kind: 'account'; username: string; role: 'admin' | 'reader' };

/** What the transport knows about the connection the request came through. */
export interface ConnectionFacts {
  transport: 'http' | 'websocket';
  remoteAddress: string;
}

const INGEST_ACTOR: Actor = Object.freeze({ kind: 'ingest' });
/** One frozen one-type list per client type, shared by every actor that keeps only its session's type. */
const ONLY_TYPE = Object.fromEntries(CLIENT_TYPES.map((type) => [type, Object.freeze([type])])) as Record<
  ClientType,
  readonly ClientType[]
>;

/**
 * The actor a long-lived connection keeps to act for the session it opened or took back (a socket
 * holds it for hours). After `open`, the core reads only a client's user id (every call checks the
 * session is theirs): the token's name, e-mail and user type filled the session's user at open, and
 * its client types only gated open. So a client keeps its user id, its session's type (shared
 * lists, no copy) and its place grants (later joins need them); the ingest key is one shared actor. `undefined` (a resume: the resume token was
 * the credential) acts as the session's own user.
 */
export function actorForSession(actor: Actor | undefined, session: { user: { id: string }; clientType: ClientType }): Actor {
  if (actor?.kind === 'ingest') return INGEST_ACTOR;
  if (actor?.kind === 'account') return actor;
  // The places it may join: the token's grants (one object shared by the socket), none after a resume.
  return {
    kind: 'client',
    userId: session.user.id,
    clientTypes: ONLY_TYPE[session.clientType],
    places: actor?.kind === 'client' ? actor.places : undefined,
  };
}
