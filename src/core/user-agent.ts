// Turns a client's user agent into the few facts the dialects show (browser, version, major version,
// OS and its version). Sessions call this once when they open or when their agent, platform or client
// hints change, so a query never parses. bowser (MIT) does the parsing; ua-parser-js 2 is AGPL and must
// not enter the tree.
//
// Browsers now reduce their user agents: every Chrome on Windows 10 or 11 says "Windows NT 10.0", every
// Mac says "Mac OS X 10_15_7", every Android phone "Android 10; K", and the browser's version is only its
// major. User-Agent Client Hints (navigator.userAgentData, reported by the SDK) still say the rest, so
// when a session has them they win: the OS and its version from the platform and platform version, the
// browser's full version from the brand list.
import Bowser from 'bowser';
import type { BrandVersion, ClientHints, SessionAgent } from './model.ts';

const UNKNOWN_AGENT_FIELD = 'Unknown';

/**
 * Characters of an agent that are parsed. Ingest refuses agents over 512 characters already; this cap
 * keeps any other caller from making one parse (regex-heavy) or one cache key arbitrarily expensive.
 */
const MAX_PARSED_LENGTH = 512;
/**
 * Distinct (agent, platform, hints) triples remembered; the least recently used goes beyond this. Keys
 * are a few hundred bytes; 8 MB at most with every part at its cap below.
 */
const CACHE_LIMIT = 1_000;
/** Characters of each client hint that are read; ingest refuses longer ones already. */
const MAX_HINT_LENGTH = 128;
/** Brands of a brand list that are read, GREASE left out (browsers send two: their own and "Chromium"). */
const MAX_BRANDS = 4;
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

/**
 * GREASE brands ("Not A(Brand", "Not)A;Brand", "Not.A/Brand", …): Chromium adds one to every brand list,
 * with punctuation drawn from this set, so that servers learn to ignore names they do not know. Old Edge
 * sent "Placeholder;Browser Brand".
 */
const GREASE_BRAND = /^(?:not[ ():\-./;=?_]*a[ ():\-./;=?_]*brand|placeholder;browser brand)$/i;
/** Brands whose browser bowser spells otherwise; any other brand is its own browser's name. */
const BRAND_NAMES = new Map([
  ['google chrome', 'Chrome'],
  ['samsung internet', 'Samsung Internet for Android'],
  ['yabrowser', 'Yandex Browser'],
  ['yandex', 'Yandex Browser'],
  ['whale', 'NAVER Whale Browser'],
]);
/** The engine's brand, which every Chromium-based browser lists beside its own. */
const CHROMIUM = 'Chromium';
/** Client hints' platforms as bowser names the same OSes, so a session reads the same with hints or without. */
const HINT_PLATFORMS = new Map([
  ['windows', 'Windows'],
  ['macos', 'macOS'],
  ['android', 'Android'],
  ['ios', 'iOS'],
  ['linux', 'Linux'],
  ['chrome os', 'Chrome OS'],
  ['chromeos', 'Chrome OS'],
]);
/** Up to three numeric components of a version, e.g. "14.5.0" or "15.0.0". */
const NUMERIC_VERSION = /^(\d{1,9})(?:\.(\d{1,9}))?(?:\.(\d{1,9}))?/;
/** Windows's platformVersion 0.x before Windows 10 (Microsoft: 0.1.0 is 7, 0.2.0 is 8, 0.3.0 is 8.1). */
const WINDOWS_BEFORE_10 = new Map([
  [1, '7'],
  [2, '8'],
  [3, '8.1'],
]);
/** Windows's platformVersion from which it is Windows 11 (Microsoft: 1 to 10 is Windows 10, 13 and up 11). */
const WINDOWS_11_PLATFORM_MAJOR = 13;
/** Reduced agents: the OS version they show is the same for every version, so it names none. */
const FROZEN_WINDOWS = /Windows NT 10\.0/i;
/**
 * "10.15.7" (Chrome, Safari) and "10.15" (Firefox) since 2020; before that, browsers on macOS 11 and
 * later said "10.16" or "10.0" while sites broke on an 11.
 */
const FROZEN_MACOS_VERSION = /^10\.(?:15(?:\.7)?|16(?:\.0)?|0)$/;
const FROZEN_ANDROID = /Android 10; K[;)]/;
/** Safari on iOS 26 and later still says "iPhone OS 18_6" (or 18_7); its Version/ token is the OS's version. */
const FROZEN_IOS_VERSION = /^18\.[67]$/;
const SAFARI_VERSION = /Version\/(\d{1,9}(?:\.\d{1,9})?)/;
const FIRST_VERSION_WITH_FROZEN_IOS = 26;

/** The hints as read: capped, cleaned, GREASE brands left out. */
interface ReadHints {
  platform: string;
  platformVersion: string;
  brands: BrandVersion[];
  model: string;
}

const cache = new Map<string, SessionAgent>();

/**
 * What `userAgent` and the browser's client hints say, the hints first; `platformName` (the platform the
 * client reported) stands in for the OS when neither names one. Never throws; answers a shared frozen
 * object.
 */
export function describeAgent(userAgent: string | undefined, platformName?: string, clientHints?: ClientHints): SessionAgent {
  const agent = normalise((userAgent ?? '').slice(0, MAX_PARSED_LENGTH));
  const platform = normalise((platformName ?? '').slice(0, MAX_PARSED_LENGTH)) || undefined;
  const hints = clientHints && readHints(clientHints);
  const key = `${agent}\u0000${platform ?? ''}\u0000${hints ? JSON.stringify(hints) : ''}`;
  const known = cache.get(key);
  if (known) {
    // Re-inserting moves the entry to the young end of the Map's insertion order (LRU).
    cache.delete(key);
    cache.set(key, known);
    return known;
  }
  const described = Object.freeze(parse(agent, platform, hints));
  cache.set(key, described);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return described;
}

/**
 * A described agent as people name its browser and OS: "Chrome 134", "Windows 11", "macOS 14.5", or the
 * bare name when the version is not known. What is unknown is left out; undefined when both are.
 */
export function agentNames(agent: SessionAgent | undefined): AgentNames | undefined {
  if (!agent) return undefined;
  // Agents are shared by every session with the same user agent (describeAgent's cache), and so are
  // their names: ending a million sessions makes no million pairs of strings for the session log.
  const known = namesOfAgent.get(agent);
  if (known !== undefined) return known ?? undefined;
  const names = namesOf(agent);
  namesOfAgent.set(agent, names ?? null);
  return names;
}

/** A session's browser and OS in short names ("Chrome 134", "Windows 11"); shared, never changed. */
export type AgentNames = Readonly<{ browser?: string; os?: string }>;

const namesOfAgent = new WeakMap<SessionAgent, AgentNames | null>();

function namesOf(agent: SessionAgent): AgentNames | undefined {
  const browser =
    agent.browser === UNKNOWN_AGENT_FIELD ? undefined : agent.majorVersion > 0 ? `${agent.browser} ${agent.majorVersion}` : agent.browser;
  const os = agent.os === UNKNOWN_AGENT_FIELD ? undefined : agent.osVersion ? `${agent.os} ${agent.osVersion}` : agent.os;
  if (browser === undefined && os === undefined) return undefined;
  return Object.freeze({ ...(browser !== undefined && { browser }), ...(os !== undefined && { os }) });
}

function parse(agent: string, platform: string | undefined, hints: ReadHints | undefined): SessionAgent {
  const fallbackOs = platform ?? UNKNOWN_AGENT_FIELD;
  if (!agent && !hints) return { browser: UNKNOWN_AGENT_FIELD, version: '', majorVersion: 0, os: fallbackOs };
  let result: Bowser.Parser.ParsedResult | undefined;
  try {
    // The brands let bowser tell the Chromium browsers whose agents are Chrome's (Brave, DuckDuckGo).
    result = agent ? Bowser.parse(agent, hints && { brands: hints.brands }) : undefined;
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
  if (hints) [browser, version] = browserFromBrands(hints.brands, browser, version);
  version = version.slice(0, VERSION_LENGTH);

  const agentOs = result?.os.name || undefined;
  const hintedOs = hints && hintedPlatform(hints.platform);
  const os = hintedOs ?? agentOs ?? fallbackOs;
  // The agent's version of the OS only counts for the OS it names.
  const osVersion =
    (hintedOs && hintedOsVersion(hintedOs, hints!.platformVersion)) || (os === agentOs ? agentOsVersion(result!, agent) : undefined);
  const described: SessionAgent = { browser: browser || UNKNOWN_AGENT_FIELD, version, majorVersion: majorVersionOf(version), os };
  // Optional facts are added when known, in one order, so agents with the same facts share a layout.
  if (osVersion) described.osVersion = osVersion;
  if (hints?.model) described.model = hints.model;
  return described;
}

/** The hints capped and cleaned like an agent; GREASE and empty brands dropped. */
function readHints(hints: ClientHints): ReadHints | undefined {
  const field = (value: string | undefined) => normalise((value ?? '').slice(0, MAX_HINT_LENGTH));
  const brands: BrandVersion[] = [];
  for (const { brand, version } of hints.fullVersionList ?? []) {
    const name = field(brand);
    if (name && !GREASE_BRAND.test(name)) brands.push({ brand: name, version: field(version) });
    if (brands.length === MAX_BRANDS) break;
  }
  const read = { platform: field(hints.platform), platformVersion: field(hints.platformVersion), brands, model: field(hints.model) };
  return read.platform || read.platformVersion || read.model || brands.length > 0 ? read : undefined;
}

/** The OS the hints name, spelt as bowser spells it; none for "" or "Unknown" (Chromium says that too). */
function hintedPlatform(platform: string): string | undefined {
  const known = HINT_PLATFORMS.get(platform.toLowerCase());
  if (known) return known;
  return PLAUSIBLE_NAME.test(platform) && platform.toLowerCase() !== UNKNOWN_AGENT_FIELD.toLowerCase() ? platform : undefined;
}

/**
 * The browser and its full version from the brand list, given what the agent named. The browser's own
 * brand wins over the engine's ("Chromium"), which only lends its full version to an agent of the same
 * major version (Vivaldi's is its own) and says that a bare "Chrome" agent is Chromium.
 */
function browserFromBrands(brands: readonly BrandVersion[], agentBrowser: string, agentVersion: string): [string, string] {
  if (brands.length === 0) return [agentBrowser, agentVersion];
  const named = brands.map(({ brand, version }) => ({ name: BRAND_NAMES.get(brand.toLowerCase()) ?? brand, version }));
  const same = named.find((b) => b.name.toLowerCase() === agentBrowser.toLowerCase());
  if (same) return [same.name, same.version];
  const own = named.find((b) => b.name !== CHROMIUM);
  if (own) return [own.name, own.version];
  const engine = named[0]!;
  if (!agentBrowser || agentBrowser === 'Chrome') return [CHROMIUM, engine.version];
  return majorVersionOf(agentVersion) === majorVersionOf(engine.version) ? [agentBrowser, engine.version] : [agentBrowser, agentVersion];
}

/**
 * The OS version people name, from the hints' platformVersion: Windows's is an API contract number that
 * Microsoft maps to Windows 7 to 11; macOS's, Android's and iOS's are the OS's own. Linux's (the
 * kernel's) and Chrome OS's (a build number) are not what anyone calls the OS, so they name none.
 */
function hintedOsVersion(os: string, platformVersion: string): string | undefined {
  const parts = NUMERIC_VERSION.exec(platformVersion);
  if (!parts) return undefined;
  const major = Number(parts[1]);
  switch (os) {
    case 'Windows':
      if (major >= WINDOWS_11_PLATFORM_MAJOR) return '11';
      return major >= 1 ? '10' : WINDOWS_BEFORE_10.get(Number(parts[2] ?? 0));
    case 'macOS':
    case 'Android':
    case 'iOS':
      return shortVersion(parts);
    default:
      return undefined;
  }
}

/** The OS version the agent itself says, unless it is one reduced agents freeze (then it names none). */
function agentOsVersion(result: Bowser.Parser.ParsedResult, agent: string): string | undefined {
  const { name, version, versionName } = result.os;
  if (!version) return undefined;
  switch (name) {
    case 'Windows':
      return FROZEN_WINDOWS.test(agent) ? undefined : versionName;
    case 'macOS':
      return FROZEN_MACOS_VERSION.test(version) ? undefined : version;
    case 'Android':
      return FROZEN_ANDROID.test(agent) ? undefined : version;
    case 'iOS': {
      if (!FROZEN_IOS_VERSION.test(version)) return version;
      const safari = SAFARI_VERSION.exec(agent)?.[1];
      if (!safari) return undefined;
      return majorVersionOf(safari) >= FIRST_VERSION_WITH_FROZEN_IOS ? safari : version;
    }
    default:
      return undefined;
  }
}

/** "14.5.0" → "14.5", "15.0.0" → "15": how people write the version. */
function shortVersion(parts: RegExpExecArray): string {
  const numbers = [parts[1]!, parts[2], parts[3]].filter((part): part is string => part !== undefined).map(Number);
  while (numbers.length > 1 && numbers.at(-1) === 0) numbers.pop();
  return numbers.join('.');
}

function majorVersionOf(version: string): number {
  const digits = MAJOR_VERSION.exec(version)?.[1];
  return digits ? Number(digits) : 0;
}

const normalise = (text: string) => text.replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
