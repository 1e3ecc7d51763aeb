// The Clientexec serializer's rules, table-driven at their edges: the compact `time`, the user type
// mapping, and the link template.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientexecType, formatSince, userLink } from '../../../src/dialects/clientexec/serializer.ts';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('Clientexec time since last activity', () => {
  const cases: [string, number, string][] = [
    ['just now', 0, '0m'],
    ['59 seconds', 59 * SECOND, '0m'],
    ['one minute', MINUTE, '1m'],
    ['one minute less a millisecond', MINUTE - 1, '0m'],
    ['the document: 6m', 6 * MINUTE + 30 * SECOND, '6m'],
    ['the document: 10m', 10 * MINUTE, '10m'],
    ['the document: 57m', 57 * MINUTE, '57m'],
    ['last minute of the first hour', HOUR - 1, '59m'],
    ['on the hour', HOUR, '1h 0m'],
    ['the document: 1h 14m', HOUR + 14 * MINUTE + 59 * SECOND, '1h 14m'],
    ['the document: 1h 19m', HOUR + 19 * MINUTE, '1h 19m'],
    ['the document: 3h 44m', 3 * HOUR + 44 * MINUTE, '3h 44m'],
    ['the document: 6h 59m', 6 * HOUR + 59 * MINUTE, '6h 59m'],
    ['last minute of the first day', DAY - 1, '23h 59m'],
    ['one day', DAY, '1d 0h'],
    ['2d 3h (rollcall, past a day)', 2 * DAY + 3 * HOUR + 59 * MINUTE, '2d 3h'],
    ['a year', 366 * DAY, '366d 0h'],
    ['in the future (clock skew)', -5 * MINUTE, '0m'],
  ];
  for (const [name, ms, expected] of cases) {
    it(`${name}: ${ms} ms → ${expected}`, () => assert.equal(formatSince(ms), expected));
  }
});

describe('Clientexec user type', () => {
  const cases: [string, 'staff' | 'customer'][] = [
    ['staff', 'staff'],
    ['customer', 'customer'],
    ['Staff', 'staff'],
    [' admin ', 'staff'],
    ['administrator', 'staff'],
    ['agent', 'staff'],
    ['employee', 'staff'],
    ['representative', 'staff'],
    ['system', 'staff'],
    ['client', 'customer'],
    ['guest', 'customer'],
    ['anything-else', 'customer'],
  ];
  for (const [type, expected] of cases) {
    it(`"${type}" → ${expected}`, () => assert.equal(clientexecType(type), expected));
  }
});

describe('Clientexec link template', () => {
  it('fills {id} URL-encoded and {type}, every occurrence, in one pass', () => {
    assert.equal(
      userLink('https://ce.example/{type}/{id}?again={id}', 'a b/&{type}', 'staff'),
      'https://ce.example/staff/a%20b%2F%26%7Btype%7D?again=a%20b%2F%26%7Btype%7D',
    );
  });

  it('answers a template without placeholders as it is, and an empty template as ""', () => {
    assert.equal(userLink('urllinktoticket', '4145', 'customer'), 'urllinktoticket');
    assert.equal(userLink('', '4145', 'customer'), '');
  });

  it('is not fooled by replacement patterns in ids', () => {
    assert.equal(userLink('x={id}', "$&$'$`", 'customer'), "x=%24%26%24'%24%60");
  });
});
