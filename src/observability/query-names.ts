// Parameter names of a raw query string as the server's query-string parser reads them: `+` is a
// space and `%XX` an escaped byte. Log redaction must match names this way, or a key sent as
// `?ap%69key=…` is taken by the route as `apikey` and still written to the log in clear.

/** The decoded name, or undefined when it does not decode (the caller then treats it as a secret). */
export function decodedName(rawName: string): string | undefined {
  try {
    return decodeURIComponent(rawName.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/**
 * `query` with the value of every parameter `isSecret` picks (by decoded name, any case) replaced by
 * `[Redacted]`; a name that does not decode counts as secret.
 */
export function redactQuery(query: string, isSecret: (lowerCaseName: string) => boolean): string {
  return query
    .split('&')
    .map((part) => {
      const equals = part.indexOf('=');
      const name = decodedName(equals < 0 ? part : part.slice(0, equals));
      if (name !== undefined && !isSecret(name.toLowerCase())) return part;
      return `${equals < 0 ? part : part.slice(0, equals)}=[Redacted]`;
    })
    .join('&');
}
