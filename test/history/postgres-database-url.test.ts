import { test } from 'node:test';
import assert from 'node:assert/strict';
import { databaseUrlProblem, redactDatabaseUrl, scrubPassword } from '../../src/history/postgres/database-url.ts';

test('redactDatabaseUrl hides the password part and password parameters, and shows the rest', () => {
  assert.equal(
    redactDatabaseUrl('postgres://rollcall:s3cret@db.example.test:5432/rollcall'),
    'postgres://rollcall:***@db.example.test:5432/rollcall',
  );
  assert.equal(
    redactDatabaseUrl('postgresql:///rollcall?host=/run/postgresql&password=s3cret&sslpassword=k3y'),
    'postgresql:///rollcall?host=%2Frun%2Fpostgresql&password=***&sslpassword=***',
  );
  assert.equal(
    redactDatabaseUrl('postgres://rollcall@db.example.test/rollcall'),
    'postgres://rollcall@db.example.test/rollcall',
    'nothing to hide',
  );
  for (const unusable of ['rollcall:s3cret@nowhere', 'postgres:s3cret@nowhere', 'not a url s3cret']) {
    assert.equal(redactDatabaseUrl(unusable), '(an unusable database URL)', `${unusable} is not shown at all`);
  }
});

test('scrubPassword removes the password from a message, as written and decoded', () => {
  const url = 'postgres://rollcall:p%40ss%2Fw0rd@db.example.test/rollcall';
  assert.equal(scrubPassword('auth failed for p@ss/w0rd and p%40ss%2Fw0rd', url), 'auth failed for *** and ***');
  assert.equal(scrubPassword('connect ECONNREFUSED 127.0.0.1:5432', url), 'connect ECONNREFUSED 127.0.0.1:5432');
});

test('databaseUrlProblem accepts a host or a socket directory, and never quotes the URL', () => {
  assert.equal(databaseUrlProblem('postgres://u:p@db.example.test/rollcall'), undefined);
  assert.equal(databaseUrlProblem('postgresql:///rollcall?host=/run/postgresql'), undefined);
  for (const bad of ['postgres://u:s3cret@', 'http://u:s3cret@db.example.test/x', 's3cret', 's3cret:x@y', 'postgresql:///rollcall']) {
    const problem = databaseUrlProblem(bad);
    assert.ok(problem !== undefined, bad);
    assert.ok(!problem.includes('s3cret'), problem);
  }
});
