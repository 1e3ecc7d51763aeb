// Well-formed XML whatever clients report: hostile strings (markup, quotes, control characters, half
// surrogate pairs, non-characters, line breaks) go in through the real ingest route in every field
// the command API writes, and in the parameters it echoes in errors. Every answer must pass xmllint
// and a namespace-aware parse, keep one element per line, and give back the value minus what XML
// cannot carry.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../../helpers/server.ts';
import { adminQuery, command, DEFAULT_NAMESPACE, openSession, startBtServer } from './fixtures.ts';
import { assertOneElementPerLine, assertWellFormed, only, textOf, xmllintMissing, xpath } from './xml.ts';

/** Everything a well-meaning escaper forgets. */
const HOSTILE = [
  `<script>alert("x")</script> & 'quotes' ]]> <![CDATA[ <!-- <?pi?> </connected_clients> xmlns="evil"`,
  'c0:\u0000\u0001\u0002\u0008\u000b\u000c\u000e\u001f| del+c1:\u007f\u0080\u0085\u009f|',
  'breaks:\ttab\nnewline\r\ncrlf',
  'surrogates: lone high \ud800 lone low \udc00 pair 😀 reversed \udc00\ud800',
  'non-characters: \ufffe \uffff; entities as text: &amp; &#60; &lt;',
].join(' ');

/** What survives: controls and non-characters gone, breaks as spaces, half pairs as U+FFFD. */
function expectedText(value: string): string {
  return value
    .replace(/[\t\n\r]/g, ' ')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]/g, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

const field = (label: string, max: number) => `${label}:${HOSTILE}`.slice(0, max);

describe('hostile strings in command API answers', { skip: xmllintMissing }, () => {
  let server: TestServer;
  let repId: number;
  let customerId: number;

  before(async () => {
    server = await startBtServer({ btCacheMs: 0 });
    const hostilePlatform = { id: field('pid', 128), name: field('pname', 128) };
    repId = await openSession(server, {
      user: {
        id: field('uid', 128),
        name: field('name', 256),
        username: field('username', 128),
        publicDisplayName: field('public', 256),
        privateDisplayName: field('private', 256),
        type: 'staff',
      },
      clientType: 'representative',
      hostname: field('host', 256),
      platform: hostilePlatform,
      userAgent: field('ua', 512),
      view: { m: field('m', 128), v: field('v', 128), t: field('t', 128) },
      representative: {
        type: 'Normal',
        startSessionUrl: field('https://evil.example/?a=1&b="2"', 2048),
        directLink: field('https://evil.example/"><img src=x onerror=alert(1)>', 2048),
        supportLicense: field('license', 128),
        supportSessionLsids: [field('lsid1', 64), field('lsid2', 64)],
      },
    });
    customerId = await openSession(server, {
      user: { id: field('cid', 128), name: field('cname', 256), type: 'customer' },
      clientType: 'support_customer',
      hostname: field('chost', 256),
      platform: hostilePlatform,
      customer: { lsid: field('clsid', 64) },
    });
    for (const clientType of ['presentation_attendee', 'push_agent'] as const) {
      await openSession(server, {
        user: { id: field(clientType, 128), name: field(`${clientType} name`, 256), type: 'customer' },
        clientType,
        hostname: field('h', 256),
      });
    }
  });
  after(async () => {
    await server.close();
  });

  /** Every answer: xmllint, the namespace seen by libxml2, one element per line. */
  async function checked(query: string) {
    const answer = await command(server, query);
    assert.equal(answer.status, 200);
    await assertWellFormed(answer.text);
    assert.equal(await xpath(answer.text, 'namespace-uri(/*)'), DEFAULT_NAMESPACE);
    assertOneElementPerLine(answer.text);
    assert.ok(!/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/.test(answer.text), 'no control characters on the wire');
    return answer;
  }

  it('get_connected_clients with connections: every field well-formed and given back', async () => {
    const answer = await checked(`${adminQuery}&action=get_connected_clients&include_connections=1`);
    assert.equal(answer.root.children.length, 4);
    const rep = answer.root.children.find((c) => Number(c.attributes.get('id')) === repId)!;
    assert.equal(textOf(rep, 'hostname'), expectedText(field('host', 256)));
    assert.equal(only(rep, 'platform').attributes.get('id'), expectedText(field('pid', 128)));
    assert.equal(textOf(rep, 'platform'), expectedText(field('pname', 128)));
    assert.equal(textOf(rep, 'user_id'), expectedText(field('uid', 128)));
    assert.equal(textOf(rep, 'username'), expectedText(field('username', 128)));
    assert.equal(textOf(rep, 'public_display_name'), expectedText(field('public', 256)));
    assert.equal(textOf(rep, 'private_display_name'), expectedText(field('private', 256)));
    assert.equal(textOf(rep, 'start_session_url'), expectedText(field('https://evil.example/?a=1&b="2"', 2048)));
    assert.equal(textOf(rep, 'support_license'), expectedText(field('license', 128)));
    assert.deepEqual(
      only(rep, 'support_session_lsids').children.map((l) => l.text),
      [expectedText(field('lsid1', 64)), expectedText(field('lsid2', 64))],
    );
    const customer = answer.root.children.find((c) => Number(c.attributes.get('id')) === customerId)!;
    assert.equal(textOf(customer, 'name'), expectedText(field('cname', 256)));
    assert.equal(textOf(customer, 'lsid'), expectedText(field('clsid', 64)));
    // The core's event text names the node; what a client sent never reaches it unescaped either.
    for (const client of answer.root.children) assert.ok(only(client, 'event_log').children.length >= 1);
  });

  it('get_logged_in_reps: the anchor stays text, its attribute escaped for HTML inside', async () => {
    const answer = await checked(`${adminQuery}&action=get_logged_in_reps`);
    const rep = only(answer.root, 'rep');
    assert.equal(rep.attributes.get('id'), expectedText(field('uid', 128)));
    assert.equal(textOf(rep, 'display_name'), expectedText(field('public', 256)));
    const link = textOf(rep, 'direct_link');
    assert.ok(link.startsWith('<a href="https://evil.example/&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'), link.slice(0, 120));
    assert.equal(link.match(/</g)?.length, 2, "only the anchor's own tags are markup in the HTML");
  });

  it('get_connected_client_list, get_api_info, check_health, get_appliances', async () => {
    for (const action of ['get_connected_client_list', 'get_api_info', 'check_health', 'get_appliances'])
      await checked(`${adminQuery}&action=${action}`);
  });

  it('errors that echo what the caller sent', async () => {
    // A URL carries UTF-8, which has no half surrogate pairs; everything else goes in.
    const sent = HOSTILE.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
    const hostile = encodeURIComponent(sent);
    const unknown = await checked(`${adminQuery}&action=${hostile}`);
    assert.equal(unknown.root.name, 'error');
    assert.ok(unknown.root.text.startsWith(`unknown action "${expectedText(sent.trim())}"`), unknown.root.text.slice(0, 200));
    const type = await checked(`${adminQuery}&action=get_connected_clients&type=${hostile}`);
    assert.equal(only(type.root, 'error').name, 'error');
    const id = await checked(`${adminQuery}&action=get_connected_clients&id=${hostile}`);
    assert.match(textOf(id.root, 'error'), /^id: "/);
    const user = await checked(`username=${hostile}&password=${hostile}&action=get_api_info`);
    assert.equal(user.root.text, 'wrong user name or password');
  });
});
