// A small escaping XML writer for the command API's answers: one element per line (integrators grep the
// raw body), no indentation, every value sanitised. Element and attribute names come from this code;
// every value may come from a client (user agents, host names, names) and goes through `xmlText`.
// Lines accumulate as one string until `take()`: a serializer renders one client's fragment (cached
// per session, see serializer.ts) or a short document with it.

import { wellFormed } from '../shared/well-formed.ts';

export type AttributeValue = string | number;
export type Attributes = Readonly<Record<string, AttributeValue | undefined>>;

/** Anything that needs more than a copy: markup characters, controls, surrogates, non-characters. */
const NEEDS_WORK = /[\u0000-\u001F\u007F-\u009F&<>"'\uD800-\uDFFF\uFFFE\uFFFF]/;
/**
 * Line breaks and tabs become spaces: XML allows them, but a value spanning lines would break
 * "one element per line" for the scripts that rely on it.
 */
const BREAKS = /[\t\n\r]/g;
/**
 * Characters XML 1.0 forbids (C0 controls, U+FFFE, U+FFFF) and C1 controls, which it allows but which
 * only ever arrive as garbage (a mis-decoded user agent) and trip stricter parsers.
 */
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]/g;
const MARKUP = /[&<>"']/g;
const ENTITY: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * A value made safe for element text and attribute values alike: forbidden characters stripped, line
 * breaks flattened, and the five markup characters escaped (`>` too, so `]]>` can never appear).
 */
export function xmlText(value: AttributeValue): string {
  const text = typeof value === 'number' ? String(value) : value;
  if (!NEEDS_WORK.test(text)) return text;
  // Half a surrogate pair cannot be encoded as UTF-8; it becomes U+FFFD, as a UTF-8 encoder would.
  return wellFormed(text.replace(BREAKS, ' ').replace(FORBIDDEN, '')).replace(MARKUP, (c) => ENTITY[c] ?? c);
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

function attributeText(attributes: Attributes | undefined): string {
  if (!attributes) return '';
  let text = '';
  // for…in rather than Object.entries: no arrays per element, which a 30 MB answer would make by the
  // hundred thousand for the garbage collector to pause on.
  for (const name in attributes) {
    const value = attributes[name];
    if (value !== undefined) text += ` ${name}="${xmlText(value)}"`;
  }
  return text;
}

export class XmlLines {
  // One growing string rather than an array of lines and a join: V8 appends without copying, and the
  // text is flattened once, when it is encoded.
  private text = '';

  /** The `<?xml …?>` line alone; the root element follows on the next line. */
  prolog(): this {
    this.text += `${XML_DECLARATION}\n`;
    return this;
  }

  /** The prolog, then the opened root with its default namespace on the next line. */
  declaration(root: string, namespace: string): this {
    return this.prolog().open(root, { xmlns: namespace });
  }

  open(name: string, attributes?: Attributes): this {
    this.text += `<${name}${attributeText(attributes)}>\n`;
    return this;
  }

  close(name: string): this {
    this.text += `</${name}>\n`;
    return this;
  }

  /**
   * `<name>value</name>`. An unknown value still writes the element, empty as an open/close pair:
   * the structure stays the same for every client, and naive `<name>(.*?)</name>` matchers still match.
   */
  element(name: string, value: AttributeValue | undefined, attributes?: Attributes): this {
    this.text += `<${name}${attributeText(attributes)}>${value === undefined ? '' : xmlText(value)}</${name}>\n`;
    return this;
  }

  /** `<name a="…"/>`, for elements that carry only attributes. */
  empty(name: string, attributes: Attributes): this {
    this.text += `<${name}${attributeText(attributes)}/>\n`;
    return this;
  }

  /** `<name ts="unix seconds">ISO 8601 time</name>`: the command API's way to write a time. */
  time(name: string, epochMs: number): this {
    this.text += `<${name} ts="${unixSeconds(epochMs)}">${isoText(epochMs)}</${name}>\n`;
    return this;
  }

  /** The lines written since the last take, each ended by a newline. */
  take(): string {
    const text = this.text;
    this.text = '';
    return text;
  }
}

/** `1` or `0`, the command API's booleans. */
export const flag = (value: boolean | undefined): 0 | 1 => (value ? 1 : 0);

/** Epoch ms as the `ts` the command API writes beside times: whole Unix seconds. */
export const unixSeconds = (epochMs: number): number => Math.floor(epochMs / 1000);

/**
 * Texts of recent seconds. Clients connect in bursts and event logs repeat their times, so most times
 * written are seen again; the memo is dropped whole when full, which bounds it without bookkeeping.
 */
const isoTexts = new Map<number, string>();
const ISO_TEXTS_KEPT = 4096;

/** Epoch ms as the API's ISO 8601 form: `2014-01-31T17:34:59+00:00` (UTC, whole seconds). */
export function isoText(epochMs: number): string {
  const second = unixSeconds(epochMs);
  let text = isoTexts.get(second);
  if (text === undefined) {
    if (isoTexts.size >= ISO_TEXTS_KEPT) isoTexts.clear();
    text = `${new Date(second * 1000).toISOString().slice(0, 19)}+00:00`;
    isoTexts.set(second, text);
  }
  return text;
}

/** Both forms of a time at once. */
export function isoTime(epochMs: number): { text: string; ts: number } {
  return { text: isoText(epochMs), ts: unixSeconds(epochMs) };
}
