// What simulated people and machines look like: names, devices (user agent, platform, hostname),
// timezones, private addresses and the views of the applications they use. Varied on purpose: names
// with apostrophes, ampersands and non-Latin letters, IPv6 next to IPv4, half-hour timezones, user agents
// no parser knows. Every value here is made up.
import type { Platform, View } from '../core/model.ts';
import type { Rng } from './random.ts';

export const FIRST_NAMES = [
  'Jack',
  'Joshua',
  'Justin',
  'Jesse',
  'Alejandro',
  'Maria',
  'Aisha',
  'Chen',
  'Priya',
  'Olga',
  'Liam',
  'Noah',
  'Emma',
  'Sofia',
  'Mateo',
  'Yuki',
  'Fatima',
  'Lars',
  'Ingrid',
  'Kwame',
  'Amara',
  'Diego',
  'Hannah',
  'Ravi',
  'Zoë',
  'François',
  'Siobhan',
  'Björn',
  'Nguyễn',
  'Tomasz',
  'Leila',
  'Omar',
  'Grace',
  'Ethan',
  'Chloé',
  'Mei',
] as const;

export const LAST_NAMES = [
  'Smith',
  'Post',
  'Patterson',
  'Wolf',
  'Cordova',
  'García',
  'Khan',
  'Wang',
  'Patel',
  'Ivanova',
  "O'Brien",
  'Müller',
  'Rossi',
  'Tanaka',
  'Haddad',
  'Johansson',
  'Mensah',
  'Okafor',
  'Fernández',
  'Schmidt',
  'Kowalski',
  'Dubois',
  'Nakamura',
  'Singh',
  'Andersson',
  'van der Berg',
  'McAllister',
  'Silva',
  'Novak',
  'Lee',
] as const;

/** Names as customers type them into a support form: not always tidy. */
export const CUSTOMER_NAME_EXTRAS = [
  'Smith & Sons IT',
  'accounting <front desk>',
  'Dr. Müller-Lüdenscheidt',
  '李雷',
  'Renée "Ren" Dupont',
  'ΔΗΜΗΤΡΗΣ',
  'warehouse pc #3',
  'José 🛠️',
] as const;

export const COMPANY_DOMAINS = ['example.com', 'example.org', 'example.net', 'acme.example', 'contoso.example'] as const;

export const JUMPOINT_SITES = [
  ['NYC', 'New York'],
  ['LON', 'London'],
  ['FRA', 'Frankfurt'],
  ['SIN', 'Singapore'],
  ['SYD', 'Sydney'],
  ['SAO', 'São Paulo'],
  ['TOR', 'Toronto'],
  ['BLR', 'Bengaluru'],
] as const;

/** Seconds from UTC, with weights: mostly whole hours, a few of the odd ones. */
export const TIMEZONE_OFFSETS: readonly (readonly [number, number])[] = [
  [-28_800, 4], // US Pacific
  [-25_200, 2],
  [-21_600, 3],
  [-18_000, 6], // US Eastern
  [-12_600, 1], // Newfoundland
  [-10_800, 2], // São Paulo
  [0, 4], // London (winter), UTC
  [3_600, 6], // Central Europe
  [7_200, 3],
  [10_800, 1],
  [19_800, 3], // India, +5:30
  [20_700, 1], // Nepal, +5:45
  [28_800, 3], // Singapore, China
  [32_400, 2], // Tokyo
  [34_200, 1], // Adelaide, +9:30
  [36_000, 2], // Sydney
  [45_900, 1], // Chatham Islands, +12:45
];

export const SUPPORT_LICENSES = ['Standard', 'Advanced', 'Enterprise'] as const;

// ---- devices ---------------------------------------------------------------------------------------

export type OsFamily = 'windows' | 'macos' | 'linux' | 'ios' | 'android';
export type BrowserName = 'Chrome' | 'Firefox' | 'Safari' | 'Edge';

export interface Device {
  os: OsFamily;
  browser?: BrowserName;
  userAgent: string;
  platform: Platform;
  /** Undefined for phones and tablets: mobile browsers have no computer name to report. */
  hostname?: string;
}

const PLATFORMS: Record<OsFamily, readonly Platform[]> = {
  windows: [
    { id: 'winNT-64', name: 'Windows 11 Pro (x64)' },
    { id: 'winNT-64', name: 'Windows 10 Enterprise (x64)' },
    { id: 'winNT-arm64', name: 'Windows 11 Home (ARM64)' },
  ],
  macos: [
    { id: 'mac-universal', name: 'macOS 14 Sonoma (arm64)' },
    { id: 'mac-universal', name: 'macOS 15 Sequoia (arm64)' },
    { id: 'mac-universal', name: 'macOS 13 Ventura (x86_64)' },
  ],
  linux: [
    { id: 'linux-x86_64', name: 'Ubuntu 24.04 LTS (x86_64)' },
    { id: 'linux-x86_64', name: 'Fedora 40 (x86_64)' },
    { id: 'linux-x86_64', name: 'Debian 12 (x86_64)' },
  ],
  ios: [
    { id: 'ios', name: 'iOS 17.5 (iPhone)' },
    { id: 'ios', name: 'iPadOS 17.4 (iPad)' },
    { id: 'ios', name: 'iOS 18.1 (iPhone)' },
  ],
  android: [
    { id: 'android', name: 'Android 14 (Pixel 8)' },
    { id: 'android', name: 'Android 13 (Galaxy S22)' },
    { id: 'android', name: 'Android 12 (Moto G)' },
  ],
};

export const SERVER_PLATFORMS: readonly Platform[] = [
  { id: 'winNT-64', name: 'Windows Server 2022 Datacenter (x64)' },
  { id: 'winNT-64', name: 'Windows Server 2019 Standard (x64)' },
  { id: 'linux-x86_64', name: 'Red Hat Enterprise Linux 9 (x86_64)' },
  { id: 'linux-x86_64', name: 'Ubuntu 22.04 LTS Server (x86_64)' },
];

const CHROME_VERSIONS = [124, 126, 128, 131, 134, 136] as const;
const FIREFOX_VERSIONS = [115, 124, 128, 131, 135] as const;
const SAFARI_VERSIONS = ['16.6', '17.4.1', '17.5', '18.1'] as const;

/** Which browsers each OS gets, and how often. */
const BROWSERS_BY_OS: Record<OsFamily, readonly (readonly [BrowserName, number])[]> = {
  windows: [
    ['Chrome', 6],
    ['Edge', 3],
    ['Firefox', 2],
  ],
  macos: [
    ['Safari', 4],
    ['Chrome', 4],
    ['Firefox', 1],
    ['Edge', 1],
  ],
  linux: [
    ['Firefox', 3],
    ['Chrome', 3],
  ],
  ios: [
    ['Safari', 5],
    ['Chrome', 2],
    ['Firefox', 1],
    ['Edge', 1],
  ],
  android: [
    ['Chrome', 6],
    ['Firefox', 1],
    ['Edge', 1],
  ],
};

function userAgent(rng: Rng, os: OsFamily, browser: BrowserName, platform: Platform): string {
  const chrome = rng.pick(CHROME_VERSIONS);
  const firefox = rng.pick(FIREFOX_VERSIONS);
  const safari = rng.pick(SAFARI_VERSIONS);
  const iosVersion = /iOS 18/.test(platform.name) ? '18_1' : '17_5';
  const androidVersion = /Android (\d+)/.exec(platform.name)?.[1] ?? '14';
  const webkit = 'AppleWebKit/537.36 (KHTML, like Gecko)';
  const edgeBuild = `${chrome}.0.${rng.int(2000, 2900)}.${rng.int(10, 99)}`;
  switch (os) {
    case 'windows': {
      const arch = platform.id === 'winNT-arm64' ? 'ARM64' : 'Win64; x64';
      if (browser === 'Firefox') return `Mozilla/5.0 (Windows NT 10.0; ${arch}; rv:${firefox}.0) Gecko/20100101 Firefox/${firefox}.0`;
      const base = `Mozilla/5.0 (Windows NT 10.0; ${arch}) ${webkit} Chrome/${chrome}.0.0.0 Safari/537.36`;
      return browser === 'Edge' ? `${base} Edg/${edgeBuild}` : base;
    }
    case 'macos': {
      if (browser === 'Safari')
        return `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${safari} Safari/605.1.15`;
      if (browser === 'Firefox') return `Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:${firefox}.0) Gecko/20100101 Firefox/${firefox}.0`;
      const base = `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) ${webkit} Chrome/${chrome}.0.0.0 Safari/537.36`;
      return browser === 'Edge' ? `${base} Edg/${edgeBuild}` : base;
    }
    case 'linux': {
      if (browser === 'Firefox') return `Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:${firefox}.0) Gecko/20100101 Firefox/${firefox}.0`;
      return `Mozilla/5.0 (X11; Linux x86_64) ${webkit} Chrome/${chrome}.0.0.0 Safari/537.36`;
    }
    case 'ios': {
      const device = /iPad/.test(platform.name)
        ? `iPad; CPU OS ${iosVersion} like Mac OS X`
        : `iPhone; CPU iPhone OS ${iosVersion} like Mac OS X`;
      const tail = 'Mobile/15E148';
      if (browser === 'Chrome')
        return `Mozilla/5.0 (${device}) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/${chrome}.0.6478.54 ${tail} Safari/604.1`;
      if (browser === 'Firefox')
        return `Mozilla/5.0 (${device}) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/${firefox}.0 ${tail} Safari/605.1.15`;
      if (browser === 'Edge')
        return `Mozilla/5.0 (${device}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 EdgiOS/${edgeBuild} ${tail} Safari/604.1`;
      return `Mozilla/5.0 (${device}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${safari} ${tail} Safari/604.1`;
    }
    case 'android': {
      if (browser === 'Firefox')
        return `Mozilla/5.0 (Android ${androidVersion}; Mobile; rv:${firefox}.0) Gecko/${firefox}.0 Firefox/${firefox}.0`;
      const base = `Mozilla/5.0 (Linux; Android 10; K) ${webkit} Chrome/${chrome}.0.0.0 Mobile Safari/537.36`;
      return browser === 'Edge' ? `${base} EdgA/${edgeBuild}` : base;
    }
  }
}

/** A computer name as the OS would report it. */
export function computerName(rng: Rng, os: OsFamily, first: string, last: string): string | undefined {
  const ascii = (text: string) => text.normalize('NFKD').replace(/[^A-Za-z0-9]/g, '');
  switch (os) {
    case 'windows':
      return rng.weighted([
        [`DESKTOP-${rng.alnum(7)}`, 3],
        [`LAPTOP-${rng.alnum(7)}`, 2],
        [`WS-${ascii(last).toUpperCase().slice(0, 6)}-${rng.int(1, 99)}`, 2],
      ]);
    case 'macos':
      return `${ascii(first) || 'Users'}s-${rng.pick(['MacBook-Pro', 'MacBook-Air', 'iMac', 'Mac-mini'])}.local`;
    case 'linux':
      return rng.pick([
        `${ascii(first).toLowerCase() || 'dev'}-thinkpad`,
        `dev-ws-${rng.int(10, 99)}`,
        `${ascii(last).toLowerCase() || 'box'}-desktop`,
      ]);
    case 'ios':
    case 'android':
      return undefined;
  }
}

/** A browser device; `mobile` weights phones and tablets up. */
export function browserDevice(rng: Rng, first: string, last: string, mobile = false): Device {
  const os = rng.weighted<OsFamily>(
    mobile
      ? [
          ['ios', 5],
          ['android', 5],
          ['windows', 1],
        ]
      : [
          ['windows', 6],
          ['macos', 4],
          ['linux', 2],
          ['ios', 1],
          ['android', 1],
        ],
  );
  const platform = rng.pick(PLATFORMS[os]);
  const browser = rng.weighted(BROWSERS_BY_OS[os]);
  const hostname = computerName(rng, os, first, last);
  return { os, browser, platform, userAgent: userAgent(rng, os, browser, platform), ...(hostname !== undefined && { hostname }) };
}

/** A desktop running a native client (representative console, customer client, presentation viewer). */
export function nativeDevice(rng: Rng, app: string, first: string, last: string): Device {
  const os = rng.weighted<OsFamily>([
    ['windows', 6],
    ['macos', 3],
    ['linux', 1],
  ]);
  const platform = rng.pick(PLATFORMS[os]);
  const version = `24.${rng.int(1, 3)}.${rng.int(0, 4)}`;
  const hostname = computerName(rng, os, first, last) ?? `${first.toLowerCase()}-pc`;
  return { os, platform, hostname, userAgent: `${app}/${version} (${platform.name})` };
}

/** An RFC 1918 address, or now and then an IPv6 unique local one. */
export function privateIp(rng: Rng): string {
  return rng.weighted<() => string>([
    [() => `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(2, 254)}`, 5],
    [() => `192.168.${rng.pick([0, 1, 10, 50, 178])}.${rng.int(2, 254)}`, 4],
    [() => `172.${rng.int(16, 31)}.${rng.int(0, 255)}.${rng.int(2, 254)}`, 2],
    [() => `fd${rng.hex(2)}:${rng.hex(4)}:${rng.hex(4)}:${rng.int(1, 9)}::${rng.hex(3).replace(/^0+/, '') || '1'}`, 1],
  ])();
}

// ---- views -----------------------------------------------------------------------------------------

const id = (rng: Rng, min: number, max: number) => String(rng.int(min, max));

/**
 * The ticket the demo's page shows (`/demo/ticket/105792`). Staff open it far more often than any other,
 * so the page always has agents coming and going: their view names its place, `ticket:105792`.
 */
export const DEMO_TICKET = '105792';

/** What staff look at in a helpdesk/billing application (Clientexec-style `{m, v, t}`). */
export function staffView(rng: Rng): View {
  return rng.weighted<() => View>([
    [() => ({ m: 'support', v: 'getticket', t: `ticketid|${DEMO_TICKET}` }), 5],
    [() => ({ m: 'support', v: 'getticket', t: `ticketid|${id(rng, 100_000, 109_999)}` }), 8],
    [() => ({ m: 'support', v: 'viewtickets', t: `filter|${rng.pick(['open', 'mine', 'unassigned', 'waiting'])}` }), 3],
    [() => ({ m: 'clients', v: 'profile', t: `customerid|${id(rng, 4000, 4999)}` }), 3],
    [() => ({ m: 'billing', v: 'invoice', t: `invoiceid|${id(rng, 20_000, 29_999)}` }), 2],
    [() => ({ m: 'admin', v: 'dashboard', t: '' }), 1],
    [() => ({ m: 'knowledgebase', v: 'editarticle', t: `articleid|${id(rng, 1, 400)}` }), 1],
  ])();
}

/** What customers look at in the client area. */
export function customerView(rng: Rng): View {
  return rng.weighted<() => View>([
    [() => ({ m: 'support', v: 'ticket', t: `ticketid|${id(rng, 100_000, 109_999)}` }), 5],
    [() => ({ m: 'support', v: 'submitticket', t: `departmentid|${id(rng, 1, 6)}` }), 2],
    [() => ({ m: 'billing', v: 'invoice', t: `invoiceid|${id(rng, 20_000, 29_999)}` }), 3],
    [() => ({ m: 'knowledgebase', v: 'article', t: `articleid|${id(rng, 1, 400)}` }), 3],
    [() => ({ m: 'home', v: 'main', t: '' }), 2],
  ])();
}

/** A representative console: in a session, or watching a queue. */
export function consoleView(rng: Rng, lsid: string | undefined): View {
  if (lsid !== undefined)
    return { m: 'console', v: rng.pick(['screen_sharing', 'chat', 'command_shell', 'system_info']), t: `lsid|${lsid}` };
  return { m: 'console', v: 'queue', t: `team|${rng.pick(['general', 'tier2', 'billing', 'emea'])}` };
}

/** A presentation attendee follows slides. */
export function presentationView(rng: Rng, presentation: string): View {
  return { m: 'presentation', v: presentation, t: `slide|${rng.int(1, 40)}` };
}

export const PRESENTATIONS = ['quarterly-review', 'onboarding-101', 'release-webinar', 'security-briefing'] as const;
