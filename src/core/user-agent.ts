// Turns a client's user agent into the few facts the dialects show (browser, version, major version,
// OS). Sessions call this once when they open or when their agent or platform changes, so a query
// never parses. bowser (MIT) does the parsing; ua-parser-js 2 is AGPL and must not enter the tree.
import Bowser from 'bowser';
import type { SessionAgent } from './model.ts';

const UNKNOWN_AGENT_FIELD = 'Unknown';

/**
 * Characters of an agent that are parsed. Ingest refuses agents over 512 characters already; this cap
 * keeps any other caller from making one parse (regex-heavy) or one cache key arbitrarily expensive.
 */
const MAX_PARSED_LENGTH = 512;
/** Distinct (agent, platform) pairs remembered; the least recently used goes beyond this. Keys: 2 MB at most. */
const CACHE_LIMIT = 1_000;
/** Leading digits of a version; more than 9 are noise (e.g. "Chrome/99999999999999999999"), shown as 0. */
const MAJOR_VERSION = /^(\d{1,9})(?!\d)/;
const VERSION_LENGTH = 64;

/** C0/C1 controls and DEL: clients do send them, and they break XML and log lines downstream. */
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]+/g;
/** `name/1.2.3` at the start of an agent bowser does not know: curl, python-requests, unknown bots. */
const PRODUCT_TOKEN = /^([A-Za-z][\w.+-]{0,63})\/(\d[\w.+-]{0,63})/;
/**
 * What a browser name looks like. bowser's last resort takes whatever precedes a slash, which for odd
 * agents is junk ("x (+https:/") or the "Mozilla" every browser claims to be; neither names anything.
 */
const PLAUSIBLE_NAME = /^(?!mozilla$)[A-Za-z][\w .+-]{0,63}$/i;

const cache = new Map<string, SessionAgent>();

/**
 * What `userAgent` says, with `platformName` (the platform the client reported) standing in for the OS
 * when the agent names none or there is no agent. Never throws; answers a shared frozen object.
 */
export function describeAgent(userAgent: string | undefined, platformName?: string): SessionAgent {
  const agent = normalise((userAgent ?? '').slice(0, MAX_PARSED_LENGTH));
  const platform = normalise((platformName ?? '').slice(0, MAX_PARSED_LENGTH)) || undefined;
  const key = `${agent}\u0000${platform ?? ''}`;
  const known = cache.get(key);
  if (known) {
    // Re-inserting moves the entry to the young end of the Map's insertion order (LRU).
    cache.delete(key);
    cache.set(key, known);
    return known;
  }
  const described = Object.freeze(parse(agent, platform));
  cache.set(key, described);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return described;
}

function parse(agent: string, platform: string | undefined): SessionAgent {
  const os = platform ?? UNKNOWN_AGENT_FIELD;
  if (!agent) return { browser: UNKNOWN_AGENT_FIELD, version: '', majorVersion: 0, os };
  let result: Bowser.Parser.ParsedResult | undefined;
  try {
    result = Bowser.parse(agent);
  } catch {
    // bowser throws on input it cannot take (it does for ""); an odd agent must never fail a session.
    result = undefined;
  }
  const parsedName = result?.browser.name ?? '';
  const named = PLAUSIBLE_NAME.test(parsedName);
  let browser = named ? parsedName : '';
  let version = named ? (result?.browser.version ?? '') : '';
  if (!browser) {
    // Not a browser bowser knows (HTTP libraries, unknown crawlers): their first product token still
    // says what they are.
    const token = PRODUCT_TOKEN.exec(agent);
    if (token && PLAUSIBLE_NAME.test(token[1]!)) [browser, version] = [token[1]!, token[2]!];
  }
  version = version.slice(0, VERSION_LENGTH);
  return {
    browser: browser || UNKNOWN_AGENT_FIELD,
    version,
    majorVersion: majorVersionOf(version),
    os: result?.os.name || os,
  };
}

function majorVersionOf(version: string): number {
  const digits = MAJOR_VERSION.exec(version)?.[1];
  return digits ? Number(digits) : 0;
}

const normalise = (text: string) => text.replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
