// Calls to rollcall's API with the credential the user signed in with. `credentials: 'omit'` keeps
// the browser out of it: no cookies, and no native Basic-auth prompt when a 401 comes back.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiOptions {
  /** The value of the Authorization header. */
  authorization: string;
  /** Called once when the server refuses the credential (the account was removed, the key revoked). */
  onUnauthorized?: () => void;
}

export class Api {
  constructor(private readonly options: ApiOptions) {}

  get authorization(): string {
    return this.options.authorization;
  }

  get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return this.call<T>('GET', path, signal);
  }

  /** DELETE; answers the body when there is one (`{ended: n}`), undefined for 204. */
  delete<T = void>(path: string): Promise<T> {
    return this.call<T>('DELETE', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>('POST', path, undefined, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PATCH', path, undefined, body);
  }

  private async call<T>(method: string, path: string, signal?: AbortSignal, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: this.options.authorization, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, {
      method,
      headers,
      credentials: 'omit',
      cache: 'no-store',
      ...(body !== undefined && { body: JSON.stringify(body) }),
      ...(signal && { signal }),
    });
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let answer: unknown;
    try {
      answer = text ? JSON.parse(text) : undefined;
    } catch {
      answer = undefined;
    }
    if (!response.ok) {
      const error = (answer as { error?: { code?: string; message?: string } } | undefined)?.error;
      if (response.status === 401) this.options.onUnauthorized?.();
      throw new ApiError(response.status, error?.code ?? 'http_error', error?.message ?? `${method} ${path} answered ${response.status}`);
    }
    return answer as T;
  }
}

/** What went wrong, in words for a banner: the server's own message when it sent one. */
export const problemText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The Basic header for a user name and password (UTF-8, as the server decodes it). */
export function basicAuthorization(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/** Builds `path?a=1&b=2`, leaving out empty values. */
export function withQuery(path: string, query: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}
