// One HTTP call against a test server, answered with status, headers, raw text and parsed JSON; and the
// check of a v1 error answer.
import assert from 'node:assert/strict';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON when the body is JSON; tests read whatever fields they check. */
  json: any;
}

export async function request(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const { body, headers = {} } = options;
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** `request` with `body` sent as JSON (and said so in content-type) when there is one. */
export function requestJson(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Answer> {
  return request(baseUrl, method, path, {
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    ...(body !== undefined && { body }),
  });
}

/** A v1 error: `{"error":{"code","message"}}` with this status and code, and a message that matches when one is given. */
export function assertError(answer: Answer, status: number, code: string, message?: RegExp): void {
  assert.equal(answer.status, status, answer.text);
  assert.equal(answer.json?.error?.code, code, answer.text);
  if (message) assert.match(answer.json.error.message, message);
}
