// Whether a request takes a gzip answer (RFC 9110 §12.5.3), decided by `negotiator` (jshttp, MIT):
// q-values, `*` for any coding not named, a named coding before `*` (`gzip;q=0, *` refuses gzip), names
// without case, and identity acceptable unless refused. Fastify's @fastify/accept-negotiator was not
// used: it lets `*` override `gzip;q=0` and compares names with case.
import Negotiator from 'negotiator';
import type { IncomingHttpHeaders } from 'node:http';

const OFFERED = ['gzip', 'identity'];

/** Gzip when the client prefers it to the plain bytes: by q-value, then by the order of the field. */
export function acceptsGzip(headers: IncomingHttpHeaders): boolean {
  const field = headers['accept-encoding'];
  // Most pollers send the same few values; no parse for an absent or plain field.
  if (field === undefined || field === '' || field === 'identity') return false;
  if (field === 'gzip') return true;
  return new Negotiator({ headers }).encodings(OFFERED)[0] === 'gzip';
}
