// Legacy command API clients send `username=` and `password=` in the query string, so the query of
// every /api/command* URL is cut from request logs. The app's request log serializer applies this to
// every request whatever its route, so misspelt paths that end in a 404 are covered too.
import { redactQuery } from '../../observability/query-names.ts';

/** Matched on the decoded path: the router decodes it as well, so `/%61pi/command` is the same route. */
const COMMAND_PATH = /^\/+api\/+command/i;
/** Parameters that are secrets on any path, should a client put them in another URL (by decoded name). */
const SECRET_PARAMETERS = new Set(['password', 'access_token', 'client_secret']);

function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** The URL as logs may show it: a query that may hold secrets is replaced by a marker. */
export function redactCommandApiUrl(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const path = url.slice(0, mark);
  const query = url.slice(mark + 1);
  // Any secret parameter, however its name is escaped, hides the whole query (its neighbours may be the username).
  const holdsSecret = redactQuery(query, (name) => SECRET_PARAMETERS.has(name)) !== query;
  if (!COMMAND_PATH.test(decodedPath(path)) && !holdsSecret) return url;
  return `${path}?[redacted]`;
}
