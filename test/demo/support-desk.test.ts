// The support desk decides who takes which support session, so representatives and customers report
// the same lsids.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SupportDesk, type DeskCustomer } from '../../src/demo/support-desk.ts';

function customer(key: string, nonInteractive = false) {
  const events: string[] = [];
  const c: DeskCustomer & { events: string[] } = {
    key,
    lsid: `lsid-${key}`,
    nonInteractive,
    events,
    supportStarted: (rep) => events.push(`started:${rep}`),
    supportEnded: () => events.push('ended'),
  };
  return c;
}

test('customers wait in order, Jump sessions first; finishing and leaving free the lsid', () => {
  const desk = new SupportDesk();
  const released: string[] = [];
  desk.registerRepresentative({ key: 'rep-1', customerLeft: (lsid) => released.push(lsid) });
  const a = customer('a');
  const b = customer('b');
  const jump = customer('jump', true);
  desk.arrive(a);
  desk.arrive(b);
  desk.arrive(jump);
  desk.arrive(a); // twice is once
  assert.equal(desk.waiting, 3);

  assert.equal(desk.pickUp('rep-1'), jump);
  assert.equal(desk.pickUp('rep-1'), a);
  assert.deepEqual(a.events, ['started:rep-1']);
  assert.deepEqual(
    [...desk.cases()],
    [
      ['lsid-jump', 'rep-1'],
      ['lsid-a', 'rep-1'],
    ],
  );
  assert.ok(desk.isWaiting(b));

  assert.equal(desk.finish('lsid-jump'), jump);
  assert.equal(desk.finish('lsid-jump'), undefined);
  desk.leave(a); // in a session: the representative lets go of it
  assert.deepEqual(released, ['lsid-a']);
  desk.leave(b); // waiting: just leaves the queue
  assert.equal(desk.waiting, 0);
  assert.equal(desk.inSession, 0);
  assert.equal(desk.pickUp('rep-1'), undefined);
});
