// A cluster whose Redis speaks TLS only (`rediss://`): nodes that trust its certificate (Node's
// NODE_EXTRA_CA_CERTS, the operator's way to add a private CA) share one view through it; a node that
// does not trust it refuses to start, saying why, and prints no stack trace and no password.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/cli-process.ts';
import { skipUnlessCluster, startClusterBackends, startClusterProcess, type ClusterBackends } from '../helpers/cluster.ts';
import { request } from '../helpers/http.ts';
import { skipUnlessInstalled } from '../helpers/requirements.ts';
import type { RollcallProcess } from '../helpers/rollcall-process.ts';
import { TEST_ADMIN_PASSWORD, TEST_INGEST_KEY, waitFor } from '../helpers/server.ts';
import { openBody } from '../helpers/sessions.ts';

const skip = skipUnlessCluster() || skipUnlessInstalled('/usr/bin/openssl', 'openssl');
const admin = { authorization: `Basic ${Buffer.from(`admin:${TEST_ADMIN_PASSWORD}`).toString('base64')}` };
const ingest = { authorization: `Bearer ${TEST_INGEST_KEY}`, 'content-type': 'application/json' };

describe('a cluster on Redis over TLS', { skip }, () => {
  let backends: ClusterBackends;
  let dir: string;
  const nodes: RollcallProcess[] = [];

  before(async () => {
    backends = await startClusterBackends({ redisTls: true });
    dir = mkdtempSync(join(tmpdir(), 'rollcall-redis-tls-'));
  });

  after(async () => {
    for (const node of nodes) await node.crash();
    await backends?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shares one view between nodes that trust the server’s certificate', async () => {
    assert.match(backends.env.ROLLCALL_REDIS_URL!, /^rediss:\/\/127\.0\.0\.1:\d+$/);
    const trusted = { NODE_EXTRA_CA_CERTS: backends.redis.caFile! };
    for (const name of ['a', 'b']) nodes.push(await startClusterProcess(backends, join(dir, name), trusted));
    const [a, b] = nodes as [RollcallProcess, RollcallProcess];
    const opened = await request(a.url, 'POST', '/v1/sessions', {
      headers: ingest,
      body: openBody({ user: { id: 'tls-user', name: 'Over TLS', type: 'staff' } }),
    });
    assert.equal(opened.status, 201);
    const onB = await waitFor(async () => {
      const answer = await request(b.url, 'GET', `/v1/sessions/${opened.json.id}`, { headers: admin });
      return answer.status === 200 ? answer.json : undefined;
    });
    assert.equal(onB.user.name, 'Over TLS');
  });

  it('refuses to start when the certificate is not trusted, saying so without a stack trace or the password', async () => {
    const withPassword = new URL(backends.env.ROLLCALL_REDIS_URL!);
    withPassword.password = 'not-for-logs';
    const result = await runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', join(dir, 'untrusted')], {
      ...backends.env,
      ROLLCALL_REDIS_URL: withPassword.toString(),
    });
    assert.notEqual(result.code, 0);
    const printed = result.stdout + result.stderr;
    assert.match(printed, /Redis/);
    assert.match(printed, /certificate/i);
    assert.doesNotMatch(printed, /\n\s+at /, 'no stack trace');
    assert.doesNotMatch(printed, /not-for-logs/, 'no password');
  });
});
