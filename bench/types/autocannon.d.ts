// The part of autocannon 8's API the benchmarks use (the package ships no types).
declare module 'autocannon' {
  interface AutocannonRequest {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    setupRequest?: (request: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest | undefined;
  }
  interface Histogram {
    average: number;
    mean: number;
    stddev: number;
    min: number;
    max: number;
    p50: number;
    p90: number;
    p97_5: number;
    p99: number;
    total?: number;
  }
  /** One connection; `setHeaders` replaces the headers of the request it sends next. */
  interface Client {
    on(event: 'headers', listener: (head: { statusCode: number; headers: string[] }) => void): this;
    setHeaders(headers: Record<string, string>): void;
  }
  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    connections?: number;
    pipelining?: number;
    duration?: number;
    amount?: number;
    /** Milliseconds between samples (default 1000); a run only stops on a sample. */
    sampleInt?: number;
    timeout?: number;
    requests?: AutocannonRequest[];
    bailout?: number;
    /** Called with each connection once it is made. */
    setupClient?: (client: Client) => void;
  }
  interface Result {
    '1xx': number;
    '2xx': number;
    '3xx': number;
    '4xx': number;
    '5xx': number;
    non2xx: number;
    errors: number;
    timeouts: number;
    duration: number;
    latency: Histogram;
    requests: Histogram;
    throughput: Histogram;
    statusCodeStats: Record<string, { count: number }>;
  }
  function autocannon(options: Options): Promise<Result>;
  namespace autocannon {
    export type { Client };
  }
  export = autocannon;
}
