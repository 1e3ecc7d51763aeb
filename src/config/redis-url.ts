// Checking and showing a Redis connection URL (ROLLCALL_REDIS_URL) and Sentinel addresses. Kept apart
// from the client so config validation does not load it. The URL may carry a password: nothing here
// ever puts it into what it answers.

const SCHEMES = ['redis:', 'rediss:', 'unix:'];

/** Why a Redis URL cannot be used, or undefined when it can. The answer never quotes the URL. */
export function redisUrlProblem(redisUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(redisUrl);
  } catch {
    return 'is not a URL: expected redis://[:password@]host[:port][/db], rediss://… (TLS) or unix:///path/redis.sock';
  }
  if (!SCHEMES.includes(url.protocol)) return 'must start with redis://, rediss:// or unix://';
  if (url.protocol === 'unix:') return url.pathname.length > 1 ? undefined : 'names no socket: unix:///path/redis.sock';
  if (url.hostname === '') return 'names no host: redis://host:6379';
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^[0-9]{1,2}$/.test(db)) return 'names a database that is not a number (redis://host:6379/0)';
  return undefined;
}

/** The URL with its password replaced by `***`, for logs and error messages. */
export function redactRedisUrl(redisUrl: string): string {
  if (redisUrlProblem(redisUrl) !== undefined) return '(an unusable Redis URL)';
  const url = new URL(redisUrl);
  if (url.password !== '') url.password = '***';
  return url.toString();
}

/** Sentinel addresses `host:port,host:port`, parsed; throws a message naming no value when unusable. */
export function parseSentinels(list: string): { host: string; port: number }[] {
  return list.split(',').map((item) => {
    const match = /^\s*(\[[0-9a-fA-F:]+\]|[^\s:,[\]]+):([0-9]{1,5})\s*$/.exec(item);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65_535) throw new Error('must be a comma list of host:port (sentinel-1:26379,sentinel-2:26379)');
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
  });
}
