// A rollcall for command API tests: a real server on port 0, clients reported through the real ingest
// route (POST /v1/sessions with the ingest key), and the account `test` with password `test` that
// the BeyondTrust documents' example URLs use, so those URLs run as printed but for the host.
import assert from 'node:assert/strict';
import { hashPassword } from '../../../src/auth/passwords.ts';
import { generateClientId, generateClientSecret } from '../../../src/auth/oauth/api-clients.ts';
import type { OpenSessionBody } from '../../../src/core/input-schemas.ts';
import type { CommandPermission } from '../../../src/history/history-store.ts';
import type { ConfigInput } from '../../../src/config/schema.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';
import { parseXml, type XmlElement } from './xml.ts';

export const DEFAULT_NAMESPACE = 'http://www.bomgar.com/namespaces/API/command';
/** What the documents' examples send. */
export const DOC_CREDENTIALS = 'username=test&password=test';

export async function startBtServer(overrides: Partial<ConfigInput> = {}, options: { captureLog?: boolean } = {}): Promise<TestServer> {
  const server = await startTestServer(overrides, undefined, options);
  // Session ids come in blocks from this counter, reserved at the first session: moving it to 100
  // makes the first clients 101, 102, 103 — the ids the documents' examples ask for.
  await server.rollcall.history.advanceCounter('session_ids', 100);
  // Shorter than the CLI allows, to match the documents; the store takes any hash.
  await server.rollcall.history.createAccount({ username: 'test', role: 'reader', passwordHash: await hashPassword('test') });
  return server;
}

export { closeSession, openSession } from '../../helpers/ingest.ts';

export interface XmlAnswer {
  status: number;
  contentType: string | null;
  text: string;
  root: XmlElement;
}

async function answerOf(response: Response): Promise<XmlAnswer> {
  const text = await response.text();
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (error) {
    throw new Error(`not well-formed (${(error as Error).message}):\n${text.slice(0, 2000)}`);
  }
  return { status: response.status, contentType: response.headers.get('content-type'), text, root };
}

/** GET `path` (default /api/command) with a query string. */
export async function command(server: TestServer, query: string, init: RequestInit & { path?: string } = {}): Promise<XmlAnswer> {
  const { path = '/api/command', ...rest } = init;
  return answerOf(await fetch(`${server.url}${path}?${query}`, rest));
}

/** POST a form body to `path` (default /api/command). */
export async function commandForm(server: TestServer, form: string, init: RequestInit & { path?: string } = {}): Promise<XmlAnswer> {
  const { path = '/api/command', headers, ...rest } = init;
  return answerOf(
    await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(headers as Record<string, string> | undefined) },
      body: form,
      ...rest,
    }),
  );
}

/** The admin's legacy credentials as query parameters. */
export const adminQuery = 'username=admin&password=admin-password-for-tests';

/** Creates an API client straight in the store (the CLI's own test covers `rollcall clients`). */
export async function createApiClient(server: TestServer, permission: CommandPermission = 'read_only') {
  const id = generateClientId();
  const { secret, secretHash } = generateClientSecret();
  await server.rollcall.history.createApiClient({ id, permission, secretHash });
  return { id, secret, basic: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` };
}

/** POST /oauth2/token as a form; answers the parsed JSON and the response. */
export async function requestToken(
  server: TestServer,
  authorization: string | undefined,
  body = 'grant_type=client_credentials',
  contentType = 'application/x-www-form-urlencoded',
) {
  const response = await fetch(`${server.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(authorization !== undefined && { authorization }) },
    body,
  });
  return { response, json: (await response.json()) as Record<string, unknown> };
}

export async function bearerFor(server: TestServer, basic: string): Promise<string> {
  const { response, json } = await requestToken(server, basic);
  assert.equal(response.status, 200, JSON.stringify(json));
  return json['access_token'] as string;
}

// ---- clients of each type -------------------------------------------------------------------------

export const representative = (overrides: Partial<OpenSessionBody> = {}): OpenSessionBody => ({
  user: {
    id: 'r-7',
    name: 'Jack Smith',
    username: 'jsmith',
    publicDisplayName: 'Jack',
    privateDisplayName: 'Jack Smith (L2)',
    type: 'staff',
  },
  clientType: 'representative',
  hostname: 'jack-pc',
  platform: { id: 'winNT-64', name: 'Windows 11 (x64)' },
  timezoneOffset: -18_000,
  privateIp: '10.0.0.12',
  representative: {
    type: 'Normal',
    startSessionUrl: 'https://support.example.com/?rep=7',
    directLink: 'https://support.example.com/?rep=7&direct=1',
    presentationCount: 1,
    supportSessionCount: 2,
    showingOnRepList: true,
    routingIdle: false,
    routingBusy: true,
    routingEnabled: true,
    routingAvailable: false,
    supportLicense: 'Standard',
    supportSessionLsids: ['lsid-a', 'lsid-b'],
  },
  ...overrides,
});

export const customer = (overrides: Partial<OpenSessionBody> = {}): OpenSessionBody => ({
  user: { id: 'c-1', name: 'Ada Customer', type: 'customer' },
  clientType: 'support_customer',
  hostname: 'ada-laptop',
  platform: { id: 'mac', name: 'macOS 15' },
  timezoneOffset: 3_600,
  customer: { lsid: 'lsid-a', nonInteractive: 'rdp' },
  ...overrides,
});

export const attendee = (overrides: Partial<OpenSessionBody> = {}): OpenSessionBody => ({
  user: { id: 'a-1', name: 'Attendee One', type: 'customer' },
  clientType: 'presentation_attendee',
  hostname: 'attendee-pc',
  platform: { id: 'linux', name: 'Debian 13' },
  timezoneOffset: 0,
  ...overrides,
});

export const pushAgent = (overrides: Partial<OpenSessionBody> = {}): OpenSessionBody => ({
  user: { id: 'j-1', name: 'Jumpoint East', type: 'system' },
  clientType: 'push_agent',
  hostname: 'jump-east',
  platform: { id: 'winNT-64', name: 'Windows Server 2022' },
  timezoneOffset: -18_000,
  ...overrides,
});

export const web = (overrides: Partial<OpenSessionBody> = {}): OpenSessionBody => ({
  user: { id: 'w-1', name: 'Web Visitor', type: 'customer' },
  clientType: 'web',
  ...overrides,
});
