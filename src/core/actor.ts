// Who is asking. Transports turn credentials into an Actor; the core decides what each may do.
import type { ClientType } from './model.ts';

export type Actor =
  /** The ingest key: a trusted application backend that may report any user. */
  | { kind: 'ingest' }
  /** A client token: may only report its own user, with the client types the token allows. */
  | { kind: 'client'; userId: string; name?: string; email?: string; userType?: string; clientTypes: readonly ClientType[] }
  /** An account acting through the API (admin operations such as ending a session). */
  | { kind: 'account'; username: string; role: 'admin' | 'reader' };

/** What the transport knows about the connection the request came through. */
export interface ConnectionFacts {
  transport: 'http' | 'websocket';
  remoteAddress: string;
}
