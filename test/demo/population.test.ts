// The demo's population generator: a pure function of (users, seed) that produces every client type,
// support sessions whose lsids agree on both sides, and bodies the server accepts.
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { describe, test } from 'node:test';
import { HelloSessionSchema } from '../../src/core/input-schemas.ts';
import { CLIENT_TYPES, REPRESENTATIVE_TYPES, type ClientType } from '../../src/core/model.ts';
import { generatePopulation, routingFlags, type Population } from '../../src/demo/population.ts';
import { Rng, mulberry32 } from '../../src/demo/random.ts';
import { validateBody } from '../../src/ingest/validation.ts';

const typesOf = (population: Population) => new Set<ClientType>(population.clients.map((c) => c.session.clientType));

describe('demo population', () => {
  test('the same seed gives the same population; another seed another one', () => {
    const a = generatePopulation({ users: 60, seed: 1234 });
    const b = generatePopulation({ users: 60, seed: 1234 });
    const c = generatePopulation({ users: 60, seed: 1235 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.clients, c.clients);
    assert.equal(a.users.length, 60);
  });

  test('mulberry32 is deterministic, in [0, 1), and forks are independent of use', () => {
    const first = mulberry32(7);
    const second = mulberry32(7);
    const values = Array.from({ length: 1000 }, () => first());
    assert.deepEqual(
      values,
      Array.from({ length: 1000 }, () => second()),
    );
    assert.ok(values.every((v) => v >= 0 && v < 1));
    assert.ok(new Set(values).size > 990);
    const used = new Rng(9);
    used.next();
    assert.equal(used.fork('x').next(), new Rng(9).fork('x').next());
    assert.notEqual(new Rng(9).fork('x').next(), new Rng(9).fork('y').next());
  });

  test('even five users show every client type, with a support session matched on both sides', () => {
    for (const seed of [0, 1, 2, 3, 99]) {
      const population = generatePopulation({ users: 5, seed });
      assert.deepEqual([...typesOf(population)].sort(), [...CLIENT_TYPES].sort(), `seed ${seed}`);
      assert.equal(population.supportSessions.length, 1, `seed ${seed}`);
      assert.ok(
        population.clients.every((c) => c.online),
        'the first users are there from the start',
      );
    }
  });

  test('lsids are consistent: each representative lsid is one online customer, each planned session one representative', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const population = generatePopulation({ users: 80, seed });
      const customers = population.clients.filter((c) => c.session.clientType === 'support_customer');
      const reps = population.clients.filter((c) => c.session.clientType === 'representative');
      const customerByLsid = new Map(customers.map((c) => [c.session.customer?.lsid, c]));
      assert.equal(customerByLsid.size, customers.length, 'lsids are unique');
      assert.ok(customers.every((c) => /^[0-9a-f]{32}$/.test(c.session.customer?.lsid ?? '')));

      const repLsids = reps.flatMap((r) => (r.session.representative?.supportSessionLsids ?? []).map((lsid) => [lsid, r] as const));
      assert.equal(new Set(repLsids.map(([lsid]) => lsid)).size, repLsids.length, 'no lsid with two representatives');
      assert.equal(repLsids.length, population.supportSessions.length);
      for (const [lsid, rep] of repLsids) {
        const customer = customerByLsid.get(lsid);
        assert.ok(customer, `lsid ${lsid} of ${rep.key} has a customer`);
        assert.ok(customer.online && rep.online, 'both sides are there from the start');
        assert.ok(
          population.supportSessions.some((s) => s.lsid === lsid && s.representativeKey === rep.key && s.customerKey === customer.key),
        );
        assert.deepEqual(
          customer.session.view,
          { m: 'support', v: 'session', t: `lsid|${lsid}` },
          'interactive or not, the customer view names the session',
        );
      }
      for (const rep of reps) {
        const info = rep.session.representative!;
        const sessions = info.supportSessionLsids?.length ?? 0;
        assert.ok(sessions <= rep.representative!.maxSessions);
        assert.deepEqual(
          {
            routingEnabled: info.routingEnabled,
            routingIdle: info.routingIdle,
            routingBusy: info.routingBusy,
            routingAvailable: info.routingAvailable,
          },
          routingFlags({ enabled: info.routingEnabled!, idle: info.routingIdle!, sessions, maxSessions: rep.representative!.maxSessions }),
        );
      }
    }
  });

  test('a large population exercises every field the dialects expose', () => {
    const population = generatePopulation({ users: 300, seed: 42 });
    const { clients, users } = population;
    const reps = clients.filter((c) => c.session.clientType === 'representative');
    const customers = clients.filter((c) => c.session.clientType === 'support_customer');
    const web = clients.filter((c) => c.session.clientType === 'web');

    assert.deepEqual(new Set(reps.map((r) => r.session.representative?.type)), new Set(REPRESENTATIVE_TYPES));
    for (const flag of ['routingIdle', 'routingBusy', 'routingEnabled', 'routingAvailable', 'showingOnRepList'] as const) {
      assert.deepEqual(new Set(reps.map((r) => r.session.representative?.[flag])), new Set([true, false]), flag);
    }
    assert.deepEqual(new Set(reps.map((r) => r.session.representative?.presentationCount)), new Set([0, 1]));
    assert.ok(
      reps.some(
        (r) =>
          r.session.representative?.supportLicense &&
          r.session.representative.startSessionUrl?.startsWith('https://') &&
          r.session.representative.directLink,
      ),
    );
    assert.ok(reps.every((r) => r.session.user.publicDisplayName && r.session.user.privateDisplayName && r.session.user.username));
    assert.deepEqual(new Set(customers.map((c) => c.session.customer?.nonInteractive)), new Set([undefined, 'rdp', 'shelljump']));
    assert.ok(
      clients
        .filter((c) => c.session.clientType === 'push_agent')
        .every((c) => /^jp-[a-z]{3}-\d\d\.corp\.example\.com$/.test(c.session.hostname ?? '')),
    );

    const agents = web.map((c) => c.session.userAgent ?? '');
    for (const [label, pattern] of [
      ['Chrome', /Chrome\/\d+\.0\.0\.0 (Mobile )?Safari\/537\.36$/],
      ['Edge', /Edg(A|iOS)?\//],
      ['Firefox', /Firefox\/\d+/],
      ['Safari', /Version\/[\d.]+ (Mobile\/\w+ )?Safari\//],
      ['Windows', /Windows NT 10\.0/],
      ['macOS', /Macintosh/],
      ['Linux', /X11; (Ubuntu; )?Linux/],
      ['iOS', /iPhone|iPad/],
      ['Android', /Android/],
    ] as const) {
      assert.ok(
        agents.some((a) => pattern.test(a)),
        `${label} user agents`,
      );
    }
    assert.ok(new Set(clients.map((c) => c.session.timezoneOffset)).size >= 10, 'varied timezones');
    assert.ok(
      clients.some((c) => (c.session.timezoneOffset ?? 0) % 3600 !== 0),
      'half-hour timezones',
    );
    assert.ok(
      clients.some((c) => isIP(c.session.privateIp ?? '') === 6),
      'IPv6 private addresses',
    );
    assert.ok(clients.every((c) => c.session.privateIp === undefined || isIP(c.session.privateIp) !== 0));
    assert.ok(
      web.some((c) => c.session.view?.m === 'support' && c.session.view.v === 'getticket' && /^ticketid\|\d+$/.test(c.session.view.t)),
    );
    assert.ok(clients.some((c) => c.session.idle === true));
    assert.ok(
      clients.some((c) => !c.online),
      'some arrive later',
    );
    assert.deepEqual(new Set(users.map((u) => u.type)), new Set(['staff', 'customer', 'system']));
    assert.ok(
      users.some((u) => Number(u.id) > 2 ** 31),
      'a user id beyond 32 bits (Motadata)',
    );
    assert.ok(
      users.some((u) => /[&<"]/.test(u.name)),
      'names that need escaping in XML',
    );
    const sessionsPerUser = new Map<string, number>();
    for (const c of clients) sessionsPerUser.set(c.userId, (sessionsPerUser.get(c.userId) ?? 0) + 1);
    assert.ok(
      [...sessionsPerUser.values()].some((n) => n > 1),
      'some users have two sessions',
    );
  });

  test('every body is one the server accepts, for a user whose token allows its client type', () => {
    const population = generatePopulation({ users: 300, seed: 7 });
    const users = new Map(population.users.map((u) => [u.id, u]));
    assert.equal(users.size, population.users.length, 'user ids are unique');
    for (const client of population.clients) {
      validateBody(HelloSessionSchema, client.session);
      const user = users.get(client.userId);
      assert.ok(user, client.key);
      assert.equal(client.session.user.id, user.id);
      assert.equal(client.session.user.name, user.name);
      assert.ok(user.clientTypes.includes(client.session.clientType), `${client.key}: ctypes ${user.clientTypes.join(',')}`);
    }
    assert.equal(new Set(population.clients.map((c) => c.key)).size, population.clients.length, 'client keys are unique');
  });

  test('refuses a population of no one', () => {
    assert.throws(() => generatePopulation({ users: 0, seed: 1 }), RangeError);
  });
});
