// Errors Fastify raises before any route runs (a malformed path) are answered in the shape of the
// dialect whose path it is, like every other error of that dialect.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

const BAD = '%E0%A4%A';
const get = async (path: string) => {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, text: await response.text() };
};

test('rollcall v1 paths answer {error:{code,message}}', async () => {
  const { status, text } = await get(`/v1/users/${BAD}`);
  assert.equal(status, 400);
  assert.deepEqual(JSON.parse(text), {
    error: { code: 'invalid_parameter', message: 'the path is not a valid URL (bad percent-encoding)' },
  });
});

test('Motadata paths answer in the Motadata envelope', async () => {
  const { status, text } = await get(`/api/v1/settings/${BAD}`);
  assert.equal(status, 400);
  const body = JSON.parse(text);
  assert.equal(body.status, 'fail');
  assert.equal(body['error.code'], 'MD031');
});

test('Clientexec paths answer in the Clientexec envelope', async () => {
  const { status, text } = await get(`/api/users/${BAD}`);
  assert.equal(status, 400);
  assert.deepEqual(Object.keys(JSON.parse(text)), ['timestamp', 'elapsed', 'message', 'error']);
});

test('command API paths answer a root <error> with HTTP 200', async () => {
  const { status, text } = await get(`/api/command/${BAD}?action=get_api_info`);
  assert.equal(status, 200);
  assert.match(text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<error xmlns="http:\/\/www.bomgar.com\/namespaces\/API\/command">/);
});
