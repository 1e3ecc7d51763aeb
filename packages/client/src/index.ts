// @rollcall/client: report a user's session to rollcall from a browser or Node.
//
//   const client = new RollcallClient({ url: 'https://presence.example.com', token: fetchToken });
//   client.on('state', ({ state }) => console.log(state));
//   await client.connect();
//   client.setView({ m: 'support', v: 'getticket', t: 'ticketid|105792' });
//   const here = client.watch('ticket:105792'); // here.members(), here.on('join', …)
//   await client.close();
export { RollcallClient, type ClientState, type RollcallClientEvents } from './client.ts';
export type { RollcallClientOptions, TokenSource } from './options.ts';
export { ClientErrorCode, RollcallClientError } from './errors.ts';
export type { SessionInit, SessionUpdate, SessionUser, RepresentativeInit } from './session.ts';
export type { PlaceWatch, PlaceMember, PlaceMemberSession, PlaceWatchEvents } from './place-watch.ts';
export type { BackoffOptions } from './backoff.ts';
export type { Clock, TimerHandle } from './clock.ts';
export type { InputSource, VisibilitySource } from './idle.ts';
export type { WebSocketConstructor, WebSocketLike } from './websocket.ts';
export type {
  BrandVersion,
  ClientHints,
  ClientType,
  CustomerInfo,
  EndReason,
  NonInteractiveKind,
  Platform,
  RepresentativeInfo,
  RepresentativeType,
  View,
} from './protocol.ts';
export { CloseCode, WsErrorCode } from './protocol.ts';
