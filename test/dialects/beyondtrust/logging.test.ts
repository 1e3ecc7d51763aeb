// Passwords and tokens never reach the log: with request logging on (debug), legacy credentials in the
// query string of /api/command*, in a form body, on a misspelt path, and OAuth2 secrets and tokens in
// headers leave no trace, while the requests themselves are still logged.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../../helpers/server.ts';
import { bearerFor, command, commandForm, createApiClient, requestToken, startBtServer } from './fixtures.ts';

const SECRET = 'Sup3r-Secret-Passw0rd';

describe('command API request logs', () => {
  let server: TestServer;

  before(async () => {
    server = await startBtServer({ logLevel: 'debug' }, { captureLog: true });
    await server.rollcall.history.setCommandPermission('test', 'read_only');
  });
  after(async () => {
    await server.close();
  });

  it('logs the requests without the query of /api/command*, or any password, secret or token', async () => {
    await command(server, `username=test&password=${SECRET}&action=get_api_info`);
    await command(server, `username=test&password=${SECRET}&action=get_api_info`, { path: '/api/command.ns' });
    await commandForm(server, `username=test&password=${SECRET}&action=get_api_info`);
    // Paths the router answers 404 (case, trailing slash) or decodes to the same route.
    for (const path of ['/API/Command', '/api/command/', '/%61pi/command']) {
      await fetch(`${server.url}${path}?username=test&password=${SECRET}&action=get_api_info`);
    }
    const client = await createApiClient(server);
    const token = await bearerFor(server, client.basic);
    await command(server, 'action=get_api_info', { headers: { authorization: `Bearer ${token}` } });
    await requestToken(server, `Basic ${Buffer.from(`${client.id}:${SECRET}`).toString('base64')}`);

    const log = server.log();
    const lines = log
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg?: string; req?: { url?: string } });
    const urls = lines.map((line) => line.req?.url).filter((url): url is string => url !== undefined);
    assert.ok(urls.includes('/api/command?[redacted]'), `request lines are logged: ${urls.join(', ')}`);
    assert.ok(urls.includes('/api/command.ns?[redacted]'));
    assert.ok(urls.includes('/api/command'), 'the form POST, whose body is never logged');
    assert.ok(urls.includes('/API/Command?[redacted]'));
    assert.ok(urls.includes('/%61pi/command?[redacted]'));
    assert.ok(urls.includes('/oauth2/token'));
    for (const secret of [SECRET, client.secret, token, 'password=']) {
      assert.ok(!log.includes(secret), `the log contains ${secret.slice(0, 12)}…`);
    }
  });
});
