// The BeyondTrust command API over real HTTP, against specs/beyondtrust-get_connected_clients.txt,
// specs/beyondtrust-get_logged_in_reps.txt and WIRE-FORMATS.md §1: every example URL of the documents,
// each action and parameter, the transport rules real clients rely on, and both error forms.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import type { TestServer } from '../../helpers/server.ts';
import {
  adminQuery,
  attendee,
  command,
  commandForm,
  customer,
  DEFAULT_NAMESPACE,
  DOC_CREDENTIALS,
  openSession,
  pushAgent,
  representative,
  startBtServer,
  web,
  type XmlAnswer,
} from './fixtures.ts';
import { assertOneElementPerLine, assertWellFormed, namesOf, only, textOf, xmllintMissing, xpath, type XmlElement } from './xml.ts';

// The example URLs of beyondtrust-get_connected_clients.txt, word for word; the tests swap the host.
const DOCUMENTED_EXAMPLES = [
  'https://support.example.com/api/command?username=test&password=test&action=get_connected_clients',
  'https://support.example.com/api/command?username=test&password=test&action=get_connected_clients&type=representative',
  'https://support.example.com/api/command?username=test&password=test&action=get_connected_clients&type=representative,support_customer',
  'https://support.example.com/api/command?username=test&password=test&action=get_connected_clients&id=101,102,103',
  'https://support.example.com/api/command?username=test&password=test&action=get_connected_clients&id=101,102,103&type=representative,support_customer',
  'https://support.example.com/api/command?username=test&password=test&action=get_connected_clients&include_connections=1',
  'https://support.example.com/api/command?username=test&password=test&action=get_connected_clients&type=representative&include_connections=1',
  'https://support.example.com/api/command?username=test&password=test&action=get_connected_clients&type=representative,support_customer&include_connections=1',
  'https://support.example.com/api/command?username=test&password=test&action=get_connected_clients&id=101,102,103&include_connections=1',
  'https://support.example.com/api/command?username=test&password=test&action=get_connected_clients&id=101,102,103&type=representative,support_customer&include_connections=1',
];
const DOCUMENTED_LOGGED_IN_REPS = 'https://support.example.com/api/command?username=test&password=test&action=get_logged_in_reps';

const BT_TYPES = ['representative', 'support_customer', 'presentation_attendee', 'push_agent'];
const HOST_FACTS = ['hostname', 'platform', 'timezone_offset'];
const REPRESENTATIVE_FACTS = [
  'user_id',
  'type',
  'username',
  'public_display_name',
  'private_display_name',
  'start_session_url',
  'presentation_count',
  'support_session_count',
  'showing_on_rep_list',
  'routing_idle',
  'routing_busy',
  'routing_enabled',
  'routing_available',
  'support_license',
  'support_session_lsids',
];
const CONNECTION_FACTS = ['appliance_id', 'purpose', 'receive_traffic_node', 'connected_since', 'private_ip'];
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/;

/** The child elements the document lists for a client of this type, in its order. */
function documentedChildren(type: string, includeConnections: boolean, nonInteractive: boolean): string[] {
  const head = includeConnections ? ['client_connections', 'event_log'] : [];
  const host = includeConnections ? [...HOST_FACTS, 'connected_since'] : HOST_FACTS;
  if (type === 'representative') return [...head, ...host, ...REPRESENTATIVE_FACTS];
  if (type === 'support_customer') return [...head, ...host, 'name', ...(nonInteractive ? ['non_interactive'] : []), 'lsid'];
  return [...head, ...host, 'name'];
}

/** An ISO 8601 time element with its `ts`: both present and naming the same second. */
function assertTime(element: XmlElement): number {
  assert.match(element.text, ISO, `<${element.name}> text`);
  const ts = Number(element.attributes.get('ts'));
  assert.ok(Number.isInteger(ts) && ts > 1_600_000_000, `<${element.name} ts> is Unix seconds`);
  assert.equal(ts, Date.parse(element.text) / 1000, `<${element.name}> ts and text agree`);
  return ts;
}

/** The transport rules real clients rely on (WIRE-FORMATS §1 "Transport"). */
function assertEnvelope(answer: XmlAnswer, root: string): void {
  assert.equal(answer.status, 200);
  assert.equal(answer.contentType, 'text/xml; charset=UTF-8');
  const lines = answer.text.split('\n');
  assert.equal(lines[0], '<?xml version="1.0" encoding="UTF-8"?>');
  assert.ok(lines[1]?.startsWith(`<${root} xmlns="${DEFAULT_NAMESPACE}"`), `root line: ${lines[1]}`);
  // The regex one client uses to find the root.
  assert.equal(/^(?:<\?xml.*\?>)?\s*<(\w+)[\s>]/.exec(answer.text)?.[1], root);
  assert.equal(answer.root.name, root);
  assert.equal(answer.root.namespace, DEFAULT_NAMESPACE);
  assertOneElementPerLine(answer.text);
}

const clientIds = (root: XmlElement) => root.children.map((c) => Number(c.attributes.get('id')));

describe('BeyondTrust command API', () => {
  let server: TestServer;
  let nodeId: string;
  /** id → client type, for the clients opened below. */
  const types = new Map<number, string>();
  let repId: number;
  let secondRepId: number;

  before(async () => {
    server = await startBtServer({ btCacheMs: 0 });
    nodeId = server.rollcall.dataDir.nodeId;
    const opened: [number, string][] = [];
    for (const body of [
      representative(),
      customer(),
      attendee(),
      pushAgent(),
      web(),
      // A second console of the same representative, and a customer with no non-interactive kind.
      representative({
        hostname: 'jack-laptop',
        representative: { type: 'Normal', presentationCount: 0, supportSessionCount: 3, showingOnRepList: false },
      }),
      customer({ user: { id: 'c-2', name: 'Bob Customer', type: 'customer' }, customer: { lsid: 'lsid-b' } }),
    ]) {
      opened.push([await openSession(server, body), body.clientType]);
    }
    assert.deepEqual(
      opened.map(([id]) => id),
      [101, 102, 103, 104, 105, 106, 107],
      "the documents' ids are the first clients",
    );
    for (const [id, type] of opened) types.set(id, type);
    repId = 101;
    secondRepId = 106;
  });
  after(async () => {
    await server.close();
  });

  describe('every example URL of beyondtrust-get_connected_clients.txt', () => {
    for (const example of DOCUMENTED_EXAMPLES) {
      it(example.replace('https://support.example.com', ''), async () => {
        const url = new URL(example);
        const answer = await command(server, url.search.slice(1));
        assertEnvelope(answer, 'connected_clients');

        // Which clients the parameters select: both lists must match when both are given; `web`
        // sessions are no BeyondTrust clients.
        const wantedTypes = url.searchParams.get('type')?.split(',') ?? BT_TYPES;
        const wantedIds = url.searchParams.get('id')?.split(',').map(Number);
        const expected = [...types]
          .filter(([id, type]) => wantedTypes.includes(type) && (!wantedIds || wantedIds.includes(id)))
          .map(([id]) => id);
        assert.ok(expected.length > 0, 'each example selects some clients');
        assert.deepEqual(clientIds(answer.root), expected);

        const includeConnections = url.searchParams.get('include_connections') === '1';
        for (const client of answer.root.children) {
          const id = Number(client.attributes.get('id'));
          const type = types.get(id)!;
          assert.equal(client.name, `connected_${type}`);
          assert.equal(client.namespace, DEFAULT_NAMESPACE, 'children are in the default namespace');
          assert.deepEqual(namesOf(client), documentedChildren(type, includeConnections, id === 102));
          if (!includeConnections) continue;
          assertTime(only(client, 'connected_since'));
          const connections = only(client, 'client_connections').children;
          assert.ok(connections.length >= 1);
          for (const connection of connections) {
            assert.equal(connection.name, 'client_connection');
            assert.deepEqual(namesOf(connection), CONNECTION_FACTS);
            assert.equal(textOf(connection, 'appliance_id'), nodeId);
            assertTime(only(connection, 'connected_since'));
          }
          const events = only(client, 'event_log').children;
          assert.ok(events.length >= 1 && events.length <= 20);
          for (const event of events) {
            assert.equal(event.name, 'event');
            assert.ok(Number.isInteger(Number(event.attributes.get('ts'))));
          }
        }
        if (!xmllintMissing) {
          await assertWellFormed(answer.text);
          assert.equal(await xpath(answer.text, 'namespace-uri(/*)'), DEFAULT_NAMESPACE);
        }
      });
    }

    it('answers the ids as printed even when none is connected: an empty, well-formed list', async () => {
      const answer = await command(server, `${DOC_CREDENTIALS}&action=get_connected_clients&id=9001,9002`);
      assertEnvelope(answer, 'connected_clients');
      assert.deepEqual(answer.root.children, []);
    });
  });

  describe('get_connected_clients', () => {
    it('writes every fact of a representative and its connections', async () => {
      const answer = await command(server, `${adminQuery}&action=get_connected_clients&id=${repId}&include_connections=1`);
      const rep = only(answer.root, 'connected_representative');
      const connection = only(only(rep, 'client_connections'), 'client_connection');
      assert.equal(textOf(connection, 'purpose'), 'master');
      assert.equal(textOf(connection, 'receive_traffic_node'), '0');
      assert.equal(textOf(connection, 'private_ip'), '10.0.0.12');
      const [event] = only(rep, 'event_log').children;
      assert.equal(event?.text, `Connected to node ${nodeId} as master`);
      assert.equal(textOf(rep, 'hostname'), 'jack-pc');
      assert.equal(only(rep, 'platform').attributes.get('id'), 'winNT-64');
      assert.equal(textOf(rep, 'platform'), 'Windows 11 (x64)');
      assert.equal(textOf(rep, 'timezone_offset'), '-18000');
      const facts = Object.fromEntries(REPRESENTATIVE_FACTS.slice(0, -1).map((name) => [name, textOf(rep, name)]));
      assert.deepEqual(facts, {
        user_id: 'r-7',
        type: 'Normal',
        username: 'jsmith',
        public_display_name: 'Jack',
        private_display_name: 'Jack Smith (L2)',
        start_session_url: 'https://support.example.com/?rep=7',
        presentation_count: '1',
        support_session_count: '2',
        showing_on_rep_list: '1',
        routing_idle: '0',
        routing_busy: '1',
        routing_enabled: '1',
        routing_available: '0',
        support_license: 'Standard',
      });
      assert.deepEqual(
        only(rep, 'support_session_lsids').children.map((l) => [l.name, l.text]),
        [
          ['lsid', 'lsid-a'],
          ['lsid', 'lsid-b'],
        ],
      );
    });

    it("writes a customer's name, lsid and non-interactive kind, and leaves the kind out when there is none", async () => {
      const answer = await command(server, `${adminQuery}&action=get_connected_clients&type=support_customer`);
      const [first, second] = answer.root.children;
      assert.deepEqual(
        [textOf(first!, 'name'), textOf(first!, 'non_interactive'), textOf(first!, 'lsid')],
        ['Ada Customer', 'rdp', 'lsid-a'],
      );
      assert.deepEqual([textOf(second!, 'name'), textOf(second!, 'lsid')], ['Bob Customer', 'lsid-b']);
      assert.ok(!namesOf(second!).includes('non_interactive'));
    });

    it('names attendees and Jumpoints', async () => {
      const answer = await command(server, `${adminQuery}&action=get_connected_clients&type=presentation_attendee,push_agent`);
      assert.deepEqual(
        answer.root.children.map((c) => [c.name, textOf(c, 'name')]),
        [
          ['connected_presentation_attendee', 'Attendee One'],
          ['connected_push_agent', 'Jumpoint East'],
        ],
      );
    });

    it('takes type=all, repeats, spaces and include_connections=0', async () => {
      const all = await command(server, `${adminQuery}&action=get_connected_clients&type=all`);
      assert.deepEqual(clientIds(all.root), [101, 102, 103, 104, 106, 107]);
      const mixed = await command(
        server,
        `${adminQuery}&action=get_connected_clients&type=push_agent,%20representative,push_agent&id=104,101,104&include_connections=0`,
      );
      assert.deepEqual(clientIds(mixed.root), [101, 104]);
      assert.ok(!namesOf(mixed.root.children[0]!).includes('client_connections'));
    });

    it('accepts exactly 100 ids', async () => {
      const ids = Array.from({ length: 100 }, (_, i) => 101 + i).join(',');
      const answer = await command(server, `${adminQuery}&action=get_connected_clients&id=${ids}`);
      assert.deepEqual(clientIds(answer.root), [101, 102, 103, 104, 106, 107]);
    });
  });

  describe('get_connected_client_list', () => {
    it('counts clients per appliance and type, then lists each client', async () => {
      const answer = await command(server, `${adminQuery}&action=get_connected_client_list`);
      assertEnvelope(answer, 'connected_client_list');
      const [summary, ...clients] = answer.root.children;
      assert.equal(summary?.name, 'connected_client_summary');
      const appliance = only(summary!, 'appliance_summary');
      assert.equal(appliance.attributes.get('id'), nodeId);
      assert.deepEqual(
        appliance.children.map((c) => [c.name, c.attributes.get('type'), c.text]),
        [
          ['count', 'representative', '2'],
          ['count', 'support_customer', '2'],
          ['count', 'presentation_attendee', '1'],
          ['count', 'push_agent', '1'],
        ],
      );
      assert.deepEqual(
        clients.map((c) => [c.name, c.attributes.get('type'), c.attributes.get('id'), c.children.length]),
        [
          ['connected_client', 'representative', '101', 0],
          ['connected_client', 'support_customer', '102', 0],
          ['connected_client', 'presentation_attendee', '103', 0],
          ['connected_client', 'push_agent', '104', 0],
          ['connected_client', 'representative', '106', 0],
          ['connected_client', 'support_customer', '107', 0],
        ],
      );
    });

    it('summary_only=1 leaves the list out; type narrows counts and list', async () => {
      const summary = await command(server, `${adminQuery}&action=get_connected_client_list&summary_only=1`);
      assert.deepEqual(namesOf(summary.root), ['connected_client_summary']);
      const reps = await command(server, `${adminQuery}&action=get_connected_client_list&type=representative`);
      const appliance = only(only(reps.root, 'connected_client_summary'), 'appliance_summary');
      assert.deepEqual(
        appliance.children.map((c) => [c.attributes.get('type'), c.text]),
        [['representative', '2']],
      );
      assert.deepEqual(
        reps.root.children.slice(1).map((c) => c.attributes.get('id')),
        ['101', '106'],
      );
    });
  });

  describe('get_logged_in_reps', () => {
    it(`answers the documented example (${DOCUMENTED_LOGGED_IN_REPS.replace('https://support.example.com', '')})`, async () => {
      const answer = await command(server, new URL(DOCUMENTED_LOGGED_IN_REPS).search.slice(1));
      assertEnvelope(answer, 'logged_in_reps');
      // Two consoles of one representative are one rep, with counts summed over both.
      const rep = only(answer.root, 'rep');
      assert.equal(rep.attributes.get('id'), 'r-7');
      assert.deepEqual(namesOf(rep), [
        'display_name',
        'public_display_name',
        'private_display_name',
        'type',
        'direct_link',
        'logged_in_since',
        'presentation_count',
        'support_session_count',
        'showing_on_rep_list',
      ]);
      assert.equal(textOf(rep, 'display_name'), 'Jack', 'the deprecated name equals the public one');
      assert.equal(textOf(rep, 'public_display_name'), 'Jack');
      assert.equal(textOf(rep, 'private_display_name'), 'Jack Smith (L2)');
      assert.equal(textOf(rep, 'type'), 'Normal');
      // An HTML anchor carried as escaped text; its own attribute is HTML-escaped inside.
      assert.equal(textOf(rep, 'direct_link'), '<a href="https://support.example.com/?rep=7&amp;direct=1">Jack</a>');
      assert.match(
        answer.text,
        /<direct_link>&lt;a href=&quot;https:\/\/support\.example\.com\/\?rep=7&amp;amp;direct=1&quot;&gt;Jack&lt;\/a&gt;<\/direct_link>/,
      );
      const since = assertTime(only(rep, 'logged_in_since'));
      const first = await server.rollcall.presence.getSession(repId);
      assert.equal(since, Math.floor(first!.startedAt / 1000), 'logged in since the first console');
      assert.equal(textOf(rep, 'presentation_count'), '1');
      assert.equal(textOf(rep, 'support_session_count'), '5');
      assert.equal(textOf(rep, 'showing_on_rep_list'), '1');
      assert.ok(await server.rollcall.presence.getSession(secondRepId));
    });
  });

  describe('get_api_info', () => {
    it("reports the version, a plain integer timestamp and the caller's permission", async () => {
      const before = Math.floor(Date.now() / 1000);
      const answer = await command(server, `${DOC_CREDENTIALS}&action=get_api_info`);
      assertEnvelope(answer, 'api_information');
      assert.deepEqual(namesOf(answer.root), ['api_version', 'timestamp', 'permissions']);
      assert.match(textOf(answer.root, 'api_version'), /^\d+\.\d+\.\d+$/);
      const timestamp = textOf(answer.root, 'timestamp');
      assert.match(timestamp, /^\d+$/, 'int() must take it');
      assert.ok(Number(timestamp) >= before && Number(timestamp) <= Math.floor(Date.now() / 1000));
      assert.equal(textOf(only(answer.root, 'permissions'), 'perm_command'), 'read_only', 'a reader account');
      const admin = await command(server, `${adminQuery}&action=get_api_info`);
      assert.equal(textOf(only(admin.root, 'permissions'), 'perm_command'), 'full', 'an admin account');
    });
  });

  describe('check_health and get_appliances', () => {
    it('check_health names this node with its version and success', async () => {
      const answer = await command(server, `${DOC_CREDENTIALS}&action=check_health`);
      assertEnvelope(answer, 'check_health');
      assert.deepEqual(namesOf(answer.root), ['appliance', 'version', 'success', 'failover_role']);
      assert.equal(only(answer.root, 'appliance').attributes.get('id'), nodeId);
      assert.equal(textOf(answer.root, 'appliance'), hostname());
      assert.match(textOf(answer.root, 'version'), /^\d+\.\d+\.\d+/);
      assert.equal(textOf(answer.root, 'success'), '1');
    });

    it('a failed probe shows as success 0 with an error message, and plain /check_health answers 500', async (t) => {
      const plain = await fetch(`${server.url}/check_health`);
      assert.equal(plain.status, 200);
      assert.match(await plain.text(), /^OK/);

      const presence = server.rollcall.presence;
      t.mock.method(presence, 'health', async () => ({ ok: false, problem: 'the history store does not answer' }));
      const answer = await command(server, `${DOC_CREDENTIALS}&action=check_health`);
      assert.equal(answer.status, 200);
      assert.deepEqual(namesOf(answer.root), ['appliance', 'version', 'success', 'error_message', 'failover_role']);
      assert.equal(textOf(answer.root, 'success'), '0');
      assert.equal(textOf(answer.root, 'error_message'), 'the history store does not answer');
      const failing = await fetch(`${server.url}/check_health`);
      assert.equal(failing.status, 500);
      assert.equal(await failing.text(), 'ERROR: the history store does not answer\n');
    });

    it('get_appliances lists this node as a single appliance accepting connections', async () => {
      const answer = await command(server, `${DOC_CREDENTIALS}&action=get_appliances`);
      assertEnvelope(answer, 'appliances');
      const appliance = only(answer.root, 'appliance');
      assert.equal(appliance.attributes.get('id'), nodeId);
      assert.deepEqual(namesOf(appliance), ['name', 'public_hostname', 'cluster_role', 'accepting_connections', 'timezone_offset']);
      assert.equal(textOf(appliance, 'name'), hostname());
      assert.equal(textOf(appliance, 'public_hostname'), hostname());
      assert.equal(textOf(appliance, 'cluster_role'), 'single');
      assert.equal(textOf(appliance, 'accepting_connections'), '1');
      assert.match(textOf(appliance, 'timezone_offset'), /^-?\d+$/);
    });
  });

  describe('transport', () => {
    it('answers /api/command.ns and form POSTs to both paths alike', async () => {
      const query = `${DOC_CREDENTIALS}&action=get_connected_clients&type=representative`;
      const expected = (await command(server, query)).text;
      assert.equal((await command(server, query, { path: '/api/command.ns' })).text, expected);
      assert.equal((await commandForm(server, query)).text, expected);
      assert.equal((await commandForm(server, query, { path: '/api/command.ns' })).text, expected);
      // A form body with the credentials and the action in the query string, as some clients split them.
      assert.equal(
        (await commandForm(server, 'type=representative', { path: `/api/command?${DOC_CREDENTIALS}&action=get_connected_clients` })).text,
        expected,
      );
    });

    it('refuses multipart, JSON and plain-text bodies with a root <error>, still HTTP 200', async () => {
      const multipart = new FormData();
      multipart.set('action', 'get_api_info');
      for (const init of [
        { body: multipart },
        { body: JSON.stringify({ action: 'get_api_info' }), headers: { 'content-type': 'application/json' } },
        { body: 'action=get_api_info', headers: { 'content-type': 'text/plain' } },
      ]) {
        const response = await fetch(`${server.url}/api/command?${DOC_CREDENTIALS}`, { method: 'POST', ...init });
        const text = await response.text();
        assert.equal(response.status, 200, text);
        assert.equal(response.headers.get('content-type'), 'text/xml; charset=UTF-8');
        assert.match(
          text,
          /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<error xmlns="http:\/\/www\.bomgar\.com\/namespaces\/API\/command">unsupported body: send parameters in the query string or as application\/x-www-form-urlencoded/,
        );
      }
    });

    it('refuses a form body over 64 KiB with a root <error>, still HTTP 200', async () => {
      const answer = await commandForm(server, `${DOC_CREDENTIALS}&action=get_api_info&padding=${'x'.repeat(70_000)}`);
      assertEnvelope(answer, 'error');
      assert.equal(answer.root.text, 'the body is larger than the command API accepts');
    });

    it('writes the configured namespace byte for byte', async () => {
      const other = await startBtServer({ btNamespace: 'https://www.beyondtrust.com/namespaces/API/command' });
      try {
        const answer = await command(other, `${DOC_CREDENTIALS}&action=get_api_info`);
        assert.equal(answer.text.split('\n')[1], '<api_information xmlns="https://www.beyondtrust.com/namespaces/API/command">');
        assert.equal(answer.root.namespace, 'https://www.beyondtrust.com/namespaces/API/command');
        const error = await command(other, 'action=get_api_info');
        assert.equal(error.root.namespace, 'https://www.beyondtrust.com/namespaces/API/command');
      } finally {
        await other.close();
      }
      // The default, as one client strips it before parsing.
      const answer = await command(server, `${DOC_CREDENTIALS}&action=get_api_info`);
      assert.ok(answer.text.includes(' xmlns="http://www.bomgar.com/namespaces/API/command"'));
    });
  });

  describe('errors', () => {
    const rootError = async (query: string, expected: RegExp) => {
      const answer = await command(server, query);
      assertEnvelope(answer, 'error');
      assert.deepEqual(answer.root.children, []);
      assert.match(answer.root.text, expected);
    };
    const childError = async (query: string, root: string, expected: RegExp) => {
      const answer = await command(server, `${DOC_CREDENTIALS}&${query}`);
      assertEnvelope(answer, root);
      assert.deepEqual(namesOf(answer.root), ['error']);
      assert.match(textOf(answer.root, 'error'), expected);
    };

    it('answers a root <error> before the action: credentials, permission, missing or unknown action', async () => {
      await rootError('action=get_api_info', /^missing credentials: send username and password, or Authorization: Bearer/);
      await rootError('username=test&password=wrong&action=get_api_info', /^wrong user name or password$/);
      await rootError('username=nobody&password=test&action=get_api_info', /^wrong user name or password$/);
      await rootError(DOC_CREDENTIALS, /^missing parameter action; supported actions: get_connected_clients, /);
      await rootError(`${DOC_CREDENTIALS}&action=`, /^missing parameter action/);
      await rootError(`${DOC_CREDENTIALS}&action=start_session`, /^unknown action "start_session"; supported actions: /);
      await rootError(`${DOC_CREDENTIALS}&action=__proto__`, /^unknown action "__proto__"/);
      await rootError(`${DOC_CREDENTIALS}&action=get_api_info&action=check_health`, /^action: given 2 times/);
      await server.rollcall.history.setCommandPermission('test', 'deny');
      try {
        await rootError(`${DOC_CREDENTIALS}&action=get_api_info`, /^this account is not allowed to use the command API$/);
      } finally {
        await server.rollcall.history.setCommandPermission('test', 'read_only');
      }
    });

    it("answers an <error> inside the action's root for its own parameters", async () => {
      await childError(
        'action=get_connected_clients&type=rep',
        'connected_clients',
        /^type: "rep" is not a client type; use all, representative, support_customer, presentation_attendee, push_agent$/,
      );
      await childError('action=get_connected_clients&type=web', 'connected_clients', /^type: "web" is not a client type/);
      const ids = Array.from({ length: 101 }, (_, i) => i + 1).join(',');
      await childError(`action=get_connected_clients&id=${ids}`, 'connected_clients', /^id: at most 100 ids are supported, got 101$/);
      await childError(
        'action=get_connected_clients&id=101,abc',
        'connected_clients',
        /^id: "abc" is not a client id; ids are whole numbers/,
      );
      await childError('action=get_connected_clients&id=-3', 'connected_clients', /^id: "-3" is not a client id/);
      await childError('action=get_connected_clients&id=2147483648', 'connected_clients', /^id: "2147483648" is not a client id/);
      await childError(
        'action=get_connected_clients&include_connections=maybe',
        'connected_clients',
        /^include_connections: use 1 or 0, got "maybe"$/,
      );
      await childError('action=get_connected_clients&type=representative&type=push_agent', 'connected_clients', /^type: given 2 times/);
      await childError('action=get_connected_client_list&type=nobody', 'connected_client_list', /^type: "nobody" is not a client type/);
      await childError('action=get_connected_client_list&summary_only=2', 'connected_client_list', /^summary_only: use 1 or 0/);
    });
  });
});
