// HTTP measurements from the orchestrating process: sequential requests for latency, autocannon for
// throughput. Both target loopback servers the run started; both are bounded in count or time.
import autocannon from 'autocannon';
import { execFile } from 'node:child_process';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { percentile } from './stats.ts';

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  bytes: number;
  ms: number;
  body: Buffer;
}

/** One request on a kept-alive connection; the time runs until the last byte of the body arrived. */
export async function fetchOnce(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  try {
    return await requestOnce(url, options);
  } catch (error) {
    // A server closes a keep-alive connection that sat idle past its timeout (rollcall's: 5 s), and
    // the agent may hand out that very socket as the FIN arrives: the request then ends in "socket
    // hang up" before any byte of it was read. The server answered everything sent on it before, so
    // the request was not seen and is sent again once, on a new connection (as Node's documentation
    // advises for `reusedSocket`). Any other failure, or a second one, is the answer.
    if (!(error instanceof StaleSocketError)) throw error;
    console.warn(`${error.message}; sent again on a new connection`);
    return requestOnce(url, options);
  }
}

class StaleSocketError extends Error {}

/** `url` for an error message: without the password the command API takes in its query. */
const shown = (url: string) => url.replace(/password=[^&]*/, 'password=…');

function requestOnce(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let answered = false;
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent, timeout: options.timeoutMs ?? 30_000 },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: body.length, ms: performance.now() - start, body });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && !answered && error.code === 'ECONNRESET';
      const what = `${options.method ?? 'GET'} ${shown(url)}${req.reusedSocket ? ' (kept-alive connection)' : ''}: ${error.message}`;
      reject(stale ? new StaleSocketError(what, { cause: error }) : new Error(what, { cause: error }));
    });
    req.end(options.body);
  });
}

export interface LatencyResult {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The five slowest requests, slowest first (what p99 of a short run is made of). */
  slowestMs: number[];
  bytes: number;
  status: number;
}

const slowest = (times: readonly number[]) => [...times].sort((a, b) => b - a).slice(0, 5);

/** `count` requests one after the other, after `warmup` unmeasured ones; every answer must be `expect`. */
export async function sequentialLatency(
  url: string,
  {
    count,
    warmup = 2,
    expect = 200,
    headers,
    method,
    body,
  }: { count: number; warmup?: number; expect?: number; headers?: Record<string, string>; method?: string; body?: string },
): Promise<LatencyResult> {
  const times: number[] = [];
  let last: Answer | undefined;
  for (let i = 0; i < warmup + count; i++) {
    last = await fetchOnce(url, { headers, method, body });
    if (last.status !== expect) throw new Error(`${shown(url)}: HTTP ${last.status}: ${last.body.subarray(0, 300).toString('utf8')}`);
    if (i >= warmup) times.push(last.ms);
  }
  return {
    requests: count,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    maxMs: Math.max(...times),
    slowestMs: slowest(times),
    bytes: last?.bytes ?? 0,
    status: last?.status ?? 0,
  };
}

/**
 * One GET by curl in a child process, the body thrown away: receiving it costs this process nothing, so
 * a large answer's time is the server's and the socket's, not this client's (fetchOnce reads an 18 MB
 * body in some 30 ms of JavaScript, curl in 7: BENCHMARKS.md). The time is curl's own `time_total`.
 */
export function curlOnce(url: string, headers: Record<string, string> = {}): Promise<{ status: number; bytes: number; ms: number }> {
  const headerArgs = Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      ['-s', '-o', '/dev/null', ...headerArgs, '-w', '%{http_code} %{size_download} %{time_total}', url],
      (error, stdout) => {
        if (error) return reject(error);
        const [status = '0', size = '0', seconds = '0'] = stdout.trim().split(' ');
        resolve({ status: Number(status), bytes: Number(size), ms: Number(seconds) * 1000 });
      },
    );
  });
}

/** Who reads the answers of a latency run: this process (fetchOnce) or curl (curlOnce). */
export type LatencyClient = 'node' | 'curl';

/** One GET by `client`, timed; anything but 200 is an error. */
export async function timedGet(
  client: LatencyClient,
  url: string,
  headers?: Record<string, string>,
): Promise<{ status: number; bytes: number; ms: number }> {
  if (client === 'curl') {
    const answer = await curlOnce(url, headers);
    if (answer.status !== 200) throw new Error(`${url}: HTTP ${answer.status}`);
    return answer;
  }
  const answer = await fetchOnce(url, { headers });
  if (answer.status !== 200) throw new Error(`${url}: HTTP ${answer.status}: ${answer.body.subarray(0, 300).toString('utf8')}`);
  return answer;
}

/**
 * Latency of two servers measured in turns (a, b, a, b, …), so that a noisy neighbour hurts both alike.
 * Outside the timing, `beforePair` runs before each turn of both and `beforeEach` right before each
 * server's own request (to change what it answers: the other server is idle then, so work the change
 * leaves behind, a collection say, falls in the changed server's own time, not in its peer's).
 */
export async function alternatingLatency(
  a: { url: string; headers?: Record<string, string> },
  b: { url: string; headers?: Record<string, string> },
  {
    count,
    warmup = 2,
    client = 'node',
    beforePair,
    beforeEach,
  }: {
    count: number;
    warmup?: number;
    client?: LatencyClient;
    beforePair?: () => Promise<void>;
    beforeEach?: (server: 0 | 1) => Promise<void>;
  },
): Promise<[LatencyResult, LatencyResult]> {
  const times: [number[], number[]] = [[], []];
  const bytes: [number, number] = [0, 0];
  for (let i = 0; i < warmup + count; i++) {
    await beforePair?.();
    for (const [k, target] of [a, b].entries()) {
      await beforeEach?.(k as 0 | 1);
      const answer = await timedGet(client, target.url, target.headers);
      bytes[k] = answer.bytes;
      if (i >= warmup) times[k]!.push(answer.ms);
    }
  }
  const result = (k: 0 | 1): LatencyResult => ({
    requests: count,
    p50Ms: percentile(times[k], 50),
    p99Ms: percentile(times[k], 99),
    maxMs: Math.max(...times[k]),
    slowestMs: slowest(times[k]),
    bytes: bytes[k],
    status: 200,
  });
  return [result(0), result(1)];
}

export interface LoadResult {
  /** Successful answers per second: 2xx, and 304 for revalidating pollers (a current copy is an answer). */
  rps: number;
  /** 2xx answers. */
  ok: number;
  /** 304 answers (only revalidating pollers ask for them). */
  notModified: number;
  non2xx: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  bytesPerSec: number;
  seconds: number;
}

/** autocannon against `url` for `seconds` with `connections` connections; answers 2xx per second. */
/** How often autocannon samples, hence how late after `seconds` a timed load stops. */
const SAMPLE_MS = 100;

export async function load(options: {
  url: string;
  seconds: number;
  /** Stop after this many answers instead of after `seconds` (for slow answers: a window full of work). */
  amount?: number;
  connections: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Paths to cycle through, one per request (e.g. a session id each). */
  paths?: readonly string[];
  /**
   * Each connection asks with `If-None-Match` and the ETag of the last full answer it got, as an HTTP
   * client with a cache does. `true`: its first request asks without; a tag: every connection starts
   * out holding the answer with that tag (pollers that have been polling for a while).
   */
  revalidate?: boolean | string;
}): Promise<LoadResult> {
  const { paths } = options;
  let next = 0;
  const headers = options.headers ?? {};
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    connections: options.connections,
    ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.seconds }),
    // autocannon notices the end of `duration` only when it takes a sample: with its default of one a
    // second, a 0.3 s window ran for a whole second. Figures are per measured second either way.
    sampleInt: SAMPLE_MS,
    timeout: 60,
    ...(options.revalidate && {
      setupClient: (client: autocannon.Client) =>
        rememberTags(client, headers, typeof options.revalidate === 'string' ? options.revalidate : undefined),
    }),
    ...(paths && {
      requests: [
        {
          setupRequest: (req) => {
            req.path = paths[next++ % paths.length]!;
            return req;
          },
        },
      ],
    }),
  });
  const notModified = Number(result.statusCodeStats['304']?.count ?? 0);
  return {
    rps: (result['2xx'] + notModified) / result.duration,
    ok: result['2xx'],
    notModified,
    non2xx: result.non2xx - notModified,
    errors: result.errors,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    // Per second of the run: the histogram itself is per sample.
    bytesPerSec: (result.throughput.total ?? 0) / result.duration,
    seconds: result.duration,
  };
}

/** Makes `client` send the ETag of each new full answer it gets as `If-None-Match` from then on. */
function rememberTags(client: autocannon.Client, headers: Record<string, string>, held: string | undefined): void {
  if (held !== undefined) client.setHeaders({ ...headers, 'if-none-match': held });
  client.on('headers', ({ statusCode, headers: raw }) => {
    // `raw`: names and values, alternating.
    if (statusCode !== 200) return;
    const at = raw.findIndex((name, i) => i % 2 === 0 && name.toLowerCase() === 'etag');
    const tag = at >= 0 ? raw[at + 1] : undefined;
    if (tag === undefined || tag === held) return;
    held = tag;
    // Rebuilds the request this connection sends next (one at a time: no pipelining).
    client.setHeaders({ ...headers, 'if-none-match': tag });
  });
}
