// Checking and showing a PostgreSQL connection URL (ROLLCALL_DATABASE_URL). Kept apart from the driver
// so that config validation can use it without loading node-postgres. The URL may carry a password:
// nothing here ever puts the password into what it answers.

/** The URL schemes node-postgres reads as a connection string. */
const SCHEMES = ['postgres:', 'postgresql:'];

/**
 * Why a database URL cannot be used, or undefined when it can. The answer never contains the URL, so it
 * is safe to put in an error message whatever the URL holds.
 */
export function databaseUrlProblem(databaseUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return 'is not a URL: expected postgres://user:password@host/database or postgresql:///database?host=/socket/dir';
  }
  // Not even the scheme is quoted: in a mistyped value it may well be the start of a password.
  if (!SCHEMES.includes(url.protocol)) return 'must start with postgres:// or postgresql://';
  if (url.hostname === '' && !url.searchParams.has('host')) {
    return 'names no host: give one (postgres://user:password@host/database) or a socket directory (?host=/path)';
  }
  return undefined;
}

/** Query parameters that carry secrets in a connection string, besides the URL's password part. */
const SECRET_PARAMS = ['password', 'sslpassword'];

/**
 * The URL with its password replaced by `***`, for logs and error messages. A string that is not a
 * usable PostgreSQL URL is not shown at all: `user:secret@host` parses as a URL of scheme `user:`, and
 * where a password begins and ends in such a string is anyone's guess.
 */
export function redactDatabaseUrl(databaseUrl: string): string {
  if (databaseUrlProblem(databaseUrl) !== undefined) return '(an unusable database URL)';
  const url = new URL(databaseUrl);
  if (url.password !== '') url.password = '***';
  for (const name of SECRET_PARAMS) if (url.searchParams.has(name)) url.searchParams.set(name, '***');
  return url.toString();
}

/**
 * `message` with every form of the URL's password (as written, and decoded) replaced by `***`: for
 * driver errors, which should never quote a password, but are not ours to vouch for.
 */
export function scrubPassword(message: string, databaseUrl: string): string {
  const secrets = new Set<string>();
  try {
    const url = new URL(databaseUrl);
    for (const raw of [url.password, ...SECRET_PARAMS.map((name) => url.searchParams.get(name) ?? '')]) {
      if (raw === '') continue;
      secrets.add(raw);
      secrets.add(safeDecode(raw));
    }
  } catch {
    // Not a URL: the caller already refused it, and nothing in it can be told apart as the password.
  }
  let scrubbed = message;
  for (const secret of secrets) if (secret !== '') scrubbed = scrubbed.split(secret).join('***');
  return scrubbed;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
