// The session body the SDK reports (specs/INGEST.md, "Session body (open)"), and how later updates fold
// into it: the SDK keeps the body current so that a fresh hello after a lost session reports the session
// as it is now, not as it was first opened.
import { platform } from './platform.ts';
import type { ClientHints, ClientType, CustomerInfo, Platform, RepresentativeInfo, View } from './protocol.ts';

/** The user a session belongs to. With a client token the server takes these from the token: leave it out. */
export interface SessionUser {
  id: string;
  name: string;
  email?: string;
  /** staff | customer | system | any word; the server defaults to "customer". */
  type?: string;
  username?: string;
  publicDisplayName?: string;
  privateDisplayName?: string;
}

/** Representative facts; the server fills defaults (e.g. supportSessionCount from the lsids). */
export type RepresentativeInit = Partial<RepresentativeInfo>;

export interface SessionInit {
  user?: SessionUser;
  /** Default "web". */
  clientType?: ClientType;
  hostname?: string;
  platform?: Platform;
  /** Seconds from UTC (-18000 for UTC-5). Filled from the local clock when left out. */
  timezoneOffset?: number;
  /** Filled from `navigator.userAgent` when left out and available. */
  userAgent?: string;
  /**
   * User-Agent Client Hints: what the browser's reduced user agent no longer says (Windows 11, the macOS
   * version, the full browser version). When both this and `userAgent` are left out, the client asks
   * `navigator.userAgentData` for them at connect, in the browsers that have it.
   */
  clientHints?: ClientHints;
  privateIp?: string;
  idle?: boolean;
  view?: View;
  /** Places the session is in from the start (`ticket:105792`); join() and leave() change them later. */
  places?: string[];
  /** Only with clientType "representative". */
  representative?: RepresentativeInit;
  /** Only with clientType "support_customer". */
  customer?: CustomerInfo;
}

/** Any open field except `user.id` and `clientType`, which a session keeps for life. */
export type SessionUpdate = Omit<SessionInit, 'user' | 'clientType' | 'customer'> & {
  user?: Partial<Omit<SessionUser, 'id'>>;
  customer?: Partial<CustomerInfo>;
};

/** The body as sent in a hello. */
export type SessionBody = SessionInit & { clientType: ClientType };

/** The contract's limit for `userAgent`. */
const USER_AGENT_MAX = 512;

/** Completes a body with what the runtime knows; explicit fields always win. */
export function initialBody(init: SessionInit = {}, now: Date = new Date()): SessionBody {
  const body: SessionBody = { ...init, clientType: init.clientType ?? 'web' };
  // getTimezoneOffset() is minutes *behind* UTC; the contract wants seconds ahead of it.
  body.timezoneOffset ??= -now.getTimezoneOffset() * 60;
  const agent = platform.navigator?.userAgent;
  if (body.userAgent === undefined && typeof agent === 'string' && agent !== '') {
    body.userAgent = agent.slice(0, USER_AGENT_MAX);
  }
  return body;
}

/** Folds an update into a body (or into earlier unsent updates): nested objects merge one level deep. */
export function mergeUpdate<T extends SessionUpdate>(base: T, update: SessionUpdate): T {
  const merged: T = { ...base, ...update };
  if (base.user && update.user) merged.user = { ...base.user, ...update.user };
  if (base.representative && update.representative) {
    merged.representative = { ...base.representative, ...update.representative };
  }
  if (base.customer && update.customer) merged.customer = { ...base.customer, ...update.customer };
  return merged;
}
