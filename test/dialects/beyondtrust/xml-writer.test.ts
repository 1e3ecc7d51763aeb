// The escaping XML writer on its own: what it escapes, strips and keeps, and its line format.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { flag, isoTime, xmlText, XmlLines } from '../../../src/dialects/beyondtrust/xml-writer.ts';
import { assertWellFormed, parseXml, xmllintMissing } from './xml.ts';

describe('xmlText', () => {
  it('escapes the five markup characters, > included so "]]>" cannot appear', () => {
    assert.equal(xmlText(`<a href="x">Tom & Jerry's</a> ]]>`), '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&apos;s&lt;/a&gt; ]]&gt;');
    assert.equal(xmlText('&amp;'), '&amp;amp;', 'text that looks like an entity stays text');
  });

  it('strips characters XML forbids and C1 controls, and turns line breaks into spaces', () => {
    assert.equal(xmlText('a\u0000b\u0001c\u0008d\u000be\u000cf\u001fg\u007fh\u0085i\u009fj'), 'abcdefghij');
    assert.equal(xmlText('one\ntwo\r\nthree\tfour'), 'one two  three four');
    assert.equal(xmlText('x\ufffey\uffffz'), 'xyz');
  });

  it('replaces half surrogate pairs and keeps whole ones', () => {
    assert.equal(xmlText('a\ud800b'), 'a\ufffdb');
    assert.equal(xmlText('a\udc00b'), 'a\ufffdb');
    assert.equal(xmlText('\udc00\ud800'), '\ufffd\ufffd');
    assert.equal(xmlText('emoji 😀 ok'), 'emoji 😀 ok');
    assert.equal(xmlText('ünïcödé – 漢字'), 'ünïcödé – 漢字');
  });

  it('passes clean text through and writes numbers', () => {
    const clean = 'Windows 11 (x64)';
    assert.equal(xmlText(clean), clean);
    assert.equal(xmlText(-18_000), '-18000');
  });
});

describe('XmlLines', () => {
  it('writes the declaration, a namespaced root on the next line, then one element per line', async () => {
    const text = new XmlLines()
      .declaration('root', 'http://example.com/ns')
      .open('group', { id: 'a"b' })
      .element('name', 'x < y')
      .element('unknown', undefined)
      .empty('item', { type: 'one', id: 7, skipped: undefined })
      .close('group')
      .close('root')
      .take();
    assert.equal(
      text,
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<root xmlns="http://example.com/ns">',
        '<group id="a&quot;b">',
        '<name>x &lt; y</name>',
        '<unknown></unknown>',
        '<item type="one" id="7"/>',
        '</group>',
        '</root>',
        '',
      ].join('\n'),
    );
    const root = parseXml(text);
    assert.equal(root.namespace, 'http://example.com/ns');
    assert.equal(root.children[0]?.attributes.get('id'), 'a"b');
    if (!xmllintMissing) await assertWellFormed(text);
  });

  it('take() hands out what was written since the last take', () => {
    const lines = new XmlLines().open('a');
    assert.equal(lines.take(), '<a>\n');
    assert.equal(lines.take(), '');
    assert.equal(lines.close('a').take(), '</a>\n');
  });
});

describe('values', () => {
  it('flag writes 1 and 0; isoTime gives UTC ISO 8601 whole seconds and Unix seconds', () => {
    assert.equal(flag(true), 1);
    assert.equal(flag(false), 0);
    assert.equal(flag(undefined), 0);
    assert.deepEqual(isoTime(Date.UTC(2014, 0, 31, 17, 34, 59, 750)), { text: '2014-01-31T17:34:59+00:00', ts: 1391189699 });
  });
});
