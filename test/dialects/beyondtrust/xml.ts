// Reading the command API's answers in tests, two independent ways:
// - `parseXml`: a strict, namespace-aware parser written for these tests (the project has no XML
//   library). It refuses anything not well-formed that the writer could get wrong: unbalanced or
//   crossed tags, raw `<` or `&`, unknown entities, characters XML forbids, unbound prefixes, a second
//   root. Elements carry their namespace URI and local name, so assertions see what a namespace-aware
//   client sees.
// - `xmllint`: libxml2's command line tool (Debian libxml2-utils), for well-formedness (`--noout`) and
//   XPath such as `namespace-uri(/*)`, as a check that does not share this code's assumptions.
import { execFile } from 'node:child_process';
import assert from 'node:assert/strict';
import { skipUnlessInstalled } from '../../helpers/requirements.ts';

export const XMLLINT = '/usr/bin/xmllint';
/** A skip reason for node:test when xmllint is missing (fails instead under ROLLCALL_REQUIRE_ALL=1). */
export const xmllintMissing = skipUnlessInstalled(XMLLINT, 'libxml2-utils');

export interface XmlElement {
  /** Local name (no prefix). */
  name: string;
  /** Namespace URI in scope for the element; '' for none. */
  namespace: string;
  attributes: Map<string, string>;
  children: XmlElement[];
  /** Character data directly inside the element, entities decoded. */
  text: string;
}

const NAME = '[A-Za-z_][A-Za-z0-9._-]*';
const QNAME = new RegExp(`^(?:(${NAME}):)?(${NAME})$`);
const FORBIDDEN_CHAR =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: string): string {
  if (raw.includes('<')) throw new Error(`raw "<" in ${where}`);
  return raw.replace(/&([^;\s]*);?/g, (match, body: string) => {
    if (!match.endsWith(';')) throw new Error(`unterminated entity "${match}" in ${where}`);
    if (body in ENTITIES) return ENTITIES[body]!;
    const numeric = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(body);
    if (!numeric) throw new Error(`unknown entity "&${body};" in ${where}`);
    return String.fromCodePoint(numeric[1] !== undefined ? parseInt(numeric[1], 16) : Number(numeric[2]));
  });
}

/** Parses a whole document; throws on anything not well-formed. Answers the root element. */
export function parseXml(document: string): XmlElement {
  if (FORBIDDEN_CHAR.test(document)) throw new Error('a character XML 1.0 forbids');
  let rest = document;
  const declaration = /^<\?xml[^?]*\?>/.exec(rest);
  if (declaration) rest = rest.slice(declaration[0].length);
  const stack: { element: XmlElement; qname: string; scope: Map<string, string> }[] = [];
  let root: XmlElement | undefined;
  const tag = /<(\/?)([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/y;
  let position = 0;
  while (position < rest.length) {
    const next = rest.indexOf('<', position);
    const textEnd = next < 0 ? rest.length : next;
    const text = rest.slice(position, textEnd);
    if (text !== '') {
      if (stack.length === 0) {
        if (text.trim() !== '') throw new Error(`text outside the root: ${JSON.stringify(text.slice(0, 40))}`);
      } else {
        if (text.includes(']]>')) throw new Error('"]]>" in character data');
        stack.at(-1)!.element.text += decode(text, 'text');
      }
    }
    if (next < 0) break;
    tag.lastIndex = next;
    const match = tag.exec(rest);
    if (!match) throw new Error(`malformed markup at ${JSON.stringify(rest.slice(next, next + 40))}`);
    position = tag.lastIndex;
    const [, closing, qname = '', attributeText = '', selfClosing] = match;
    const parts = QNAME.exec(qname);
    if (!parts) throw new Error(`bad element name "${qname}"`);
    if (closing) {
      const open = stack.pop();
      if (!open || open.qname !== qname) throw new Error(`</${qname}> closes <${open?.qname ?? 'nothing'}>`);
      continue;
    }
    if (stack.length === 0 && root) throw new Error('a second root element');
    const scope = new Map(stack.at(-1)?.scope ?? []);
    const attributes = new Map<string, string>();
    for (const attribute of attributeText.matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
      const [, name = '', double, single] = attribute;
      if (attributes.has(name)) throw new Error(`attribute ${name} twice on <${qname}>`);
      const value = decode(double ?? single ?? '', `attribute ${name}`);
      attributes.set(name, value);
      if (name === 'xmlns') scope.set('', value);
      else if (name.startsWith('xmlns:')) scope.set(name.slice(6), value);
    }
    const prefix = parts[1] ?? '';
    const namespace = scope.get(prefix);
    if (prefix !== '' && namespace === undefined) throw new Error(`unbound prefix ${prefix}`);
    const element: XmlElement = { name: parts[2]!, namespace: namespace ?? '', attributes, children: [], text: '' };
    if (stack.length === 0) root = element;
    else stack.at(-1)!.element.children.push(element);
    if (!selfClosing) stack.push({ element, qname, scope });
  }
  if (stack.length > 0) throw new Error(`<${stack.at(-1)!.qname}> is never closed`);
  if (!root) throw new Error('no root element');
  return root;
}

/** The only child named `name`; fails the test when there is none or more than one. */
export function only(parent: XmlElement, name: string): XmlElement {
  const found = parent.children.filter((c) => c.name === name);
  assert.equal(found.length, 1, `<${parent.name}> has ${found.length} <${name}>`);
  return found[0]!;
}

export const textOf = (parent: XmlElement, name: string): string => only(parent, name).text;
export const namesOf = (parent: XmlElement): string[] => parent.children.map((c) => c.name);

function runXmllint(args: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(XMLLINT, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
    child.stdin?.end(input);
  });
}

/** Fails the test unless xmllint finds the document well-formed. */
export async function assertWellFormed(document: string): Promise<void> {
  const { code, stderr } = await runXmllint(['--noout', '-'], document);
  assert.equal(code, 0, `xmllint refuses the document: ${stderr}\n${document.slice(0, 2000)}`);
}

/** The value of an XPath 1.0 expression over the document, as xmllint prints it. */
export async function xpath(document: string, expression: string): Promise<string> {
  const { code, stdout, stderr } = await runXmllint(['--xpath', expression, '-'], document);
  assert.equal(code, 0, `xmllint --xpath ${expression}: ${stderr}`);
  return stdout.trim();
}

/** Every line is the declaration, one tag, or one element with its text (shell scripts grep lines). */
export function assertOneElementPerLine(text: string): void {
  assert.ok(text.endsWith('\n'), 'the body ends with a newline');
  for (const [index, line] of text.slice(0, -1).split('\n').entries()) {
    const ok =
      index === 0
        ? line === '<?xml version="1.0" encoding="UTF-8"?>'
        : /^<[^<>]+>$/.test(line) || /^<(\w+)(?: [^<>]*)?>[^<>]*<\/\1>$/.test(line);
    assert.ok(ok, `line ${index + 1} is not one element: ${JSON.stringify(line)}`);
  }
}
