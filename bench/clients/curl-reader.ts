// Reads answers with curl for a benchmark that serves them from its own process (bench/who-is-online.ts).
//
// Why a process of its own: starting curl forks the process that starts it, and a fork marks every page
// of the parent's heap copy-on-write. A server that spawned curl before each request then paid a page
// fault on its first write to every page it touched afterwards: the in-place patching of "who is online"
// blocks measured 20 µs per user that way, against under 2 µs without the fork (2026-12-05). This small
// process does the forking; the server's process forks once, to start it.
import { serveParent } from '../lib/child.ts';
import { curlOnce } from '../lib/http.ts';

serveParent(
  {
    get: ({ url, headers }: { url: string; headers?: Record<string, string> }) => curlOnce(url, headers),
  },
  {},
);
