import assert from 'node:assert/strict';
import { test } from 'node:test';
import { internPlatform } from '../../src/core/interning.ts';
import { sessionFactsFromOpen } from '../../src/core/session-input.ts';
import type { Actor } from '../../src/core/actor.ts';
import { openBody } from '../helpers/sessions.ts';

const INGEST_ACTOR: Actor = { kind: 'ingest' };

test('sessions opened with the same platform share one frozen platform object', () => {
  const parse = () => JSON.parse(JSON.stringify(openBody({ platform: { id: 'winNT-64', name: 'Windows 11 (x64)' } })));
  const a = sessionFactsFromOpen(parse(), INGEST_ACTOR);
  const b = sessionFactsFromOpen(parse(), INGEST_ACTOR);
  assert.equal(a.platform, b.platform, 'one object for equal platforms');
  assert.deepEqual(a.platform, { id: 'winNT-64', name: 'Windows 11 (x64)' });
  assert.ok(Object.isFrozen(a.platform));
  const other = sessionFactsFromOpen(
    JSON.parse(JSON.stringify(openBody({ platform: { id: 'winNT-64', name: 'Windows 10' } }))),
    INGEST_ACTOR,
  );
  assert.notEqual(other.platform, a.platform);
  assert.equal(internPlatform(undefined), undefined);
});

test('every session fact is present, absent ones as undefined, so sessions share one layout', () => {
  const minimal = sessionFactsFromOpen({ user: { id: 'u1', name: 'U' }, clientType: 'web' }, INGEST_ACTOR);
  const full = sessionFactsFromOpen(openBody(), INGEST_ACTOR);
  assert.deepEqual(Object.keys(minimal), Object.keys(full));
  assert.equal(minimal.hostname, undefined);
  assert.equal(minimal.user.type, 'customer');
});
