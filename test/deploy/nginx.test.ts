// deploy/nginx/rollcall-proxy.conf in a real nginx, in front of a real rollcall: nginx accepts it, the
// WebSocket upgrade goes through (without the Upgrade headers, rollcall sees a plain GET and answers
// 404), and change-stream events reach the client as they happen. nginx listens on a unix socket in a
// temp dir, so no port is picked by hand; it runs in the foreground as one process, stopped by its pid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForExit } from '../helpers/rollcall-process.ts';
import { skipUnlessInstalled } from '../helpers/requirements.ts';
import { TEST_ADMIN_PASSWORD, TEST_INGEST_KEY, startTestServer, waitFor } from '../helpers/server.ts';
import { RawClient } from '../ingest/raw-ws-client.ts';

const NGINX = '/usr/sbin/nginx';
const PROXY_CONF = fileURLToPath(new URL('../../deploy/nginx/rollcall-proxy.conf', import.meta.url));
const skip = skipUnlessInstalled(NGINX, 'nginx');

/** An nginx.conf around the shared locations, as deploy/nginx/rollcall.conf has it, in `dir`. */
function nginxConf(dir: string, socket: string, upstreamPort: string): string {
  return `
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream rollcall {
    server 127.0.0.1:${upstreamPort};
    keepalive 4;
  }
  server {
    listen unix:${socket};
    include ${PROXY_CONF};
  }
}
`;
}

function nginxTest(conf: string, dir: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(NGINX, ['-t', '-q', '-p', dir, '-e', join(dir, 'error.log'), '-c', conf], { timeout: 10_000 }, (error, stdout, stderr) =>
      resolve(error ? `${error.message}\n${stdout}${stderr}` : ''),
    );
  });
}

/** GET over nginx's unix socket; the body arrives chunk by chunk into `chunks`. */
function streamThrough(socketPath: string, path: string, headers: Record<string, string>) {
  const chunks: string[] = [];
  let status = 0;
  const req = request({ socketPath, path, headers }, (res) => {
    status = res.statusCode ?? 0;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => chunks.push(chunk));
  });
  req.on('error', () => {});
  req.end();
  return { chunks, status: () => status, text: () => chunks.join(''), close: () => req.destroy() };
}

/** A GET through the socket: the body of a 200, '' for any other answer or a failed connection. */
function getThrough(socketPath: string, path: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path }, (res) => {
      const chunks: string[] = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => chunks.push(chunk));
      res.on('end', () => resolve(res.statusCode === 200 ? chunks.join('') : ''));
      res.on('error', () => resolve(''));
    });
    req.on('error', () => resolve(''));
    req.end();
  });
}

test('nginx with rollcall-proxy.conf: WebSocket sessions open through it and change-stream events arrive at once', { skip }, async (t) => {
  const server = await startTestServer({ trustProxy: '127.0.0.1' });
  t.after(() => server.close());
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-nginx-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, 'nginx.sock');
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConf(dir, socket, new URL(server.url).port));
  assert.equal(await nginxTest(conf, dir), '', 'nginx -t accepts the configuration');

  const nginx = spawn(NGINX, ['-p', dir, '-e', join(dir, 'error.log'), '-c', conf], { stdio: 'ignore' });
  t.after(async () => {
    if (nginx.exitCode === null && nginx.signalCode === null) {
      nginx.kill('SIGTERM');
      await waitForExit(nginx);
    }
  });
  await waitFor(() => existsSync(socket), { what: 'nginx to listen', timeoutMs: 10_000 });

  const admin = `Basic ${Buffer.from(`admin:${TEST_ADMIN_PASSWORD}`).toString('base64')}`;
  // nginx may create its socket a moment before it accepts on it: ask again until it answers.
  await waitFor(async () => (await getThrough(socket, '/healthz')).includes('"ok"'), { what: '/healthz through nginx' });

  // The stream is open and idle: its opening lines have arrived, nothing else yet.
  const stream = streamThrough(socket, '/v1/events', { accept: 'text/event-stream', authorization: admin });
  t.after(() => stream.close());
  await waitFor(() => stream.chunks.length > 0, { what: 'the stream to open through nginx' });
  assert.equal(stream.status(), 200);
  assert.doesNotMatch(stream.text(), /user\.online/);

  // A WebSocket session through nginx (the ingest key rides on the upgrade request).
  const client = new RawClient(`ws+unix://${socket}:/v1/connect`, { headers: { authorization: `Bearer ${TEST_INGEST_KEY}` } });
  t.after(() => client.socket.terminate());
  await client.opened();
  client.send({ type: 'hello', session: { user: { id: 'via-nginx', name: 'Via Nginx', type: 'staff' }, clientType: 'web' } });
  const welcome = await client.next('welcome');
  assert.equal(typeof welcome.sessionId, 'number');

  // The change reaches the stream's client through nginx, as it happens (within the poll deadline).
  await waitFor(() => /event: user\.online[\s\S]*via-nginx/.test(stream.text()), { what: 'user.online through nginx', timeoutMs: 3_000 });

  nginx.kill('SIGTERM');
  assert.deepEqual(await waitForExit(nginx), { code: 0, signal: null }, 'nginx stops cleanly');
});
