// Nodes as appliances: the GUID is kept in the data dir and survives a restart; the configured public
// host name and role show in get_appliances; a traffic node is named so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../../helpers/server.ts';
import { adminQuery, command } from './fixtures.ts';
import { only, textOf } from './xml.ts';

test('the appliance id is stable across restarts and the public host name is configurable', async (t) => {
  const first = await startTestServer({ publicHostname: 'support.example.com' });
  let second: Awaited<ReturnType<typeof startTestServer>> | undefined;
  // The restarted server first, then the data dir they share.
  t.after(async () => {
    await second?.close({ keepData: true });
    await first.close();
  });
  const before = only((await command(first, `${adminQuery}&action=get_appliances`)).root, 'appliance');
  assert.equal(textOf(before, 'public_hostname'), 'support.example.com');
  const id = before.attributes.get('id');
  assert.match(id ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  await first.close({ keepData: true });

  second = await startTestServer({ nodeRole: 'traffic' }, first.dataDir);
  const after = only((await command(second, `${adminQuery}&action=get_appliances`)).root, 'appliance');
  assert.equal(after.attributes.get('id'), id, 'the same GUID after a restart');
  assert.equal(textOf(after, 'cluster_role'), 'traffic');
  const health = await command(second, `${adminQuery}&action=check_health`);
  assert.equal(only(health.root, 'appliance').attributes.get('id'), id);
});
