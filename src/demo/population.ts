// The simulated population: who exists, which clients each has, what every client reports in its first
// hello, and which support sessions are under way at the start. A pure function of (users, seed), so a
// seed reproduces the same people, devices and support sessions; tests check it without a server.
//
// Every field the dialects expose gets exercised: representatives of all three types with every routing
// flag, licenses, start-session URLs and direct links; support customers whose lsids match their
// representative's supportSessionLsids (some non-interactive: rdp, shelljump); presentation attendees;
// Jumpoints; web staff and customers on varied browsers, OSes, timezones and private addresses, with
// Clientexec-style views; users with two sessions; a system user whose id exceeds 2^31 (Motadata).
import type { SessionInit, SessionUser } from '@rollcall/client';
import type { ClientType, NonInteractiveKind, RepresentativeType } from '../core/model.ts';
import {
  browserDevice,
  COMPANY_DOMAINS,
  consoleView,
  CUSTOMER_NAME_EXTRAS,
  customerView,
  FIRST_NAMES,
  JUMPOINT_SITES,
  LAST_NAMES,
  nativeDevice,
  presentationView,
  PRESENTATIONS,
  privateIp,
  SERVER_PLATFORMS,
  staffView,
  SUPPORT_LICENSES,
  TIMEZONE_OFFSETS,
  type Device,
} from './catalog.ts';
import { Rng } from './random.ts';

/** What a simulated client does; web sessions of staff and of customers behave differently. */
export type DemoRole = 'representative' | 'support_customer' | 'presentation_attendee' | 'push_agent' | 'web_staff' | 'web_customer';

export const CLIENT_TYPE_OF_ROLE: Record<DemoRole, ClientType> = {
  representative: 'representative',
  support_customer: 'support_customer',
  presentation_attendee: 'presentation_attendee',
  push_agent: 'push_agent',
  web_staff: 'web',
  web_customer: 'web',
};

export interface DemoUser extends SessionUser {
  type: string;
  /** The client types this user's token allows (its `ctypes` claim). */
  clientTypes: ClientType[];
}

/** Representative facts the simulation keeps besides what it reports. */
export interface RepresentativePlan {
  /** Support sessions the representative takes at most; at that many it reports routingBusy. */
  maxSessions: number;
}

export interface DemoClient {
  /** Stable name of the client within the population, e.g. "representative-1" or "web_staff-7-phone". */
  key: string;
  role: DemoRole;
  userId: string;
  /** The body of the client's first hello (user included, so display names and username arrive too). */
  session: SessionInit & { clientType: ClientType; user: SessionUser };
  /** Connected when the demo starts; the others arrive later. */
  online: boolean;
  representative?: RepresentativePlan;
  /** Attendees: the presentation they follow. */
  presentation?: string;
}

/** A support session under way at the start: one representative, one customer, one lsid. */
export interface SupportSessionPlan {
  lsid: string;
  representativeKey: string;
  customerKey: string;
}

export interface Population {
  seed: number;
  users: DemoUser[];
  clients: DemoClient[];
  supportSessions: SupportSessionPlan[];
}

/** Routing flags as a representative console derives them (BeyondTrust's routing_* elements). */
export function routingFlags(state: { enabled: boolean; idle: boolean; sessions: number; maxSessions: number }) {
  const busy = state.sessions >= state.maxSessions;
  return {
    routingEnabled: state.enabled,
    routingIdle: state.idle,
    routingBusy: busy,
    routingAvailable: state.enabled && !state.idle && !busy,
  };
}

/** A BeyondTrust-style lsid: 32 hex digits. */
export const newLsid = (rng: Rng): string => rng.hex(32);

/** The roles the first users take, so that even a handful of users shows every client type. */
const FIRST_ROLES: readonly DemoRole[] = [
  'representative',
  'support_customer',
  'presentation_attendee',
  'push_agent',
  'web_staff',
  'web_customer',
];

const ROLE_WEIGHTS: readonly (readonly [DemoRole, number])[] = [
  ['web_staff', 22],
  ['web_customer', 22],
  ['representative', 16],
  ['support_customer', 18],
  ['presentation_attendee', 12],
  ['push_agent', 10],
];

/** Motadata's example user: a system account whose id does not fit 32 bits. */
const SYSTEM_ADMIN_ID = '10000000000001';

export function generatePopulation({ users, seed }: { users: number; seed: number }): Population {
  if (!Number.isInteger(users) || users < 1) throw new RangeError('users must be a positive integer');
  const rng = new Rng(seed);
  const builder = new PopulationBuilder(rng);
  for (let i = 0; i < users; i++) {
    const role = FIRST_ROLES[i] ?? rng.weighted(ROLE_WEIGHTS);
    // The seventh user is Motadata's "admin": a system user with a 64-bit id.
    const systemAdmin = i === FIRST_ROLES.length;
    builder.addUser(systemAdmin ? 'web_staff' : role, { core: i < FIRST_ROLES.length + 1, systemAdmin });
  }
  builder.planSupportSessions();
  return { seed, users: builder.users, clients: builder.clients, supportSessions: builder.supportSessions };
}

class PopulationBuilder {
  readonly users: DemoUser[] = [];
  readonly clients: DemoClient[] = [];
  readonly supportSessions: SupportSessionPlan[] = [];
  readonly #usedIds = new Set<string>();
  readonly #usedNames = new Set<string>();
  readonly #roleCounts = new Map<DemoRole, number>();
  #jumpoints = 0;

  constructor(private readonly rng: Rng) {}

  addUser(role: DemoRole, options: { core: boolean; systemAdmin: boolean }): void {
    const { rng } = this;
    const index = (this.#roleCounts.get(role) ?? 0) + 1;
    this.#roleCounts.set(role, index);
    const key = `${role}-${index}`;
    // Everyone in the first group is there from the start; later users mostly are.
    const online = options.core || rng.chance(0.8);
    const timezoneOffset = rng.weighted(TIMEZONE_OFFSETS);

    switch (role) {
      case 'representative': {
        const [first, last] = this.#personName();
        const user = this.#user({ role, first, last, type: 'staff', clientTypes: ['representative'] });
        const type = rng.weighted<RepresentativeType>([
          ['Normal', 8],
          ['Embassy', 2],
          ['Invited', 1],
        ]);
        const maxSessions =
          type === 'Invited'
            ? 1
            : rng.weighted([
                [1, 2],
                [2, 4],
                [3, 3],
                [4, 1],
              ]);
        const enabled = type !== 'Invited' && rng.chance(0.85);
        const idle = rng.chance(0.1);
        const device = nativeDevice(rng, 'Representative Console', first, last);
        const username = user.username ?? key;
        this.#addClient(user, {
          key,
          role,
          online,
          representative: { maxSessions },
          session: {
            ...this.#hostFacts(device, timezoneOffset),
            idle,
            view: consoleView(rng, undefined),
            representative: {
              type,
              // An invited representative came through someone else's invitation: no link of their own.
              ...(type !== 'Invited' && {
                startSessionUrl: `https://support.example.com/?name=${encodeURIComponent(username)}&id=${user.id}`,
                directLink: `https://support.example.com/direct/${user.id}`,
                supportLicense: rng.pick(SUPPORT_LICENSES),
              }),
              presentationCount: rng.chance(0.1) ? 1 : 0,
              showingOnRepList: type !== 'Invited' && rng.chance(0.85),
              ...routingFlags({ enabled, idle, sessions: 0, maxSessions }),
              supportSessionLsids: [],
            },
          },
        });
        // Some representatives also keep the helpdesk open in a browser.
        if (rng.chance(0.3)) this.#addWebClient(user, `${key}-browser`, 'web_staff', first, last, timezoneOffset, online);
        return;
      }
      case 'support_customer': {
        const nonInteractive = rng.weighted<NonInteractiveKind | undefined>([
          [undefined, 7],
          ['rdp', 2],
          ['shelljump', 1],
        ]);
        if (nonInteractive) {
          // A Jump session to a server: the "customer" is the endpoint, named after its host.
          const host = `${rng.pick(['db', 'web', 'app', 'files', 'build', 'dc'])}-${rng.pick(['prod', 'stage', 'dev'])}-${String(rng.int(1, 24)).padStart(2, '0')}`;
          const user = this.#user({ role, first: host, last: '', type: 'system', clientTypes: ['support_customer'], name: host });
          const platform = nonInteractive === 'rdp' ? SERVER_PLATFORMS[rng.int(0, 1)]! : rng.pick(SERVER_PLATFORMS);
          this.#addClient(user, {
            key,
            role,
            online,
            session: {
              hostname: `${host}.corp.example.com`,
              platform,
              timezoneOffset,
              privateIp: privateIp(rng),
              customer: { lsid: newLsid(rng), nonInteractive },
            },
          });
          return;
        }
        const [first, last, typed] = this.#customerName();
        const user = this.#user({ role, first, last, type: 'customer', clientTypes: ['support_customer'], name: typed });
        const device = nativeDevice(rng, 'Customer Client', first, last);
        this.#addClient(user, {
          key,
          role,
          online,
          session: {
            ...this.#hostFacts(device, timezoneOffset),
            view: { m: 'support', v: 'waiting', t: 'queue|general' },
            customer: { lsid: newLsid(rng) },
          },
        });
        return;
      }
      case 'presentation_attendee': {
        const [first, last, typed] = this.#customerName();
        const user = this.#user({ role, first, last, type: 'customer', clientTypes: ['presentation_attendee'], name: typed });
        const device = rng.chance(0.5) ? nativeDevice(rng, 'Presentation Viewer', first, last) : browserDevice(rng, first, last);
        const presentation = rng.pick(PRESENTATIONS);
        this.#addClient(user, {
          key,
          role,
          online,
          presentation,
          session: { ...this.#hostFacts(device, timezoneOffset), view: presentationView(rng, presentation) },
        });
        return;
      }
      case 'push_agent': {
        const [code, city] = JUMPOINT_SITES[this.#jumpoints++ % JUMPOINT_SITES.length]!;
        const number = Math.floor((this.#jumpoints - 1) / JUMPOINT_SITES.length) + 1;
        const name = `Jumpoint ${city} ${number}`;
        const user = this.#user({ role, first: name, last: '', type: 'system', clientTypes: ['push_agent'], name });
        const platform = rng.pick(SERVER_PLATFORMS);
        this.#addClient(user, {
          key,
          role,
          online,
          session: {
            hostname: `jp-${code.toLowerCase()}-${String(number).padStart(2, '0')}.corp.example.com`,
            platform,
            timezoneOffset,
            userAgent: `Jumpoint/24.${rng.int(1, 3)}.${rng.int(0, 4)} (${platform.name})`,
            privateIp: privateIp(rng),
          },
        });
        return;
      }
      case 'web_staff':
      case 'web_customer': {
        if (options.systemAdmin) {
          const user = this.#user({
            role,
            first: 'admin',
            last: '',
            type: 'system',
            clientTypes: ['web'],
            name: 'admin',
            id: SYSTEM_ADMIN_ID,
            username: 'admin',
          });
          this.#addWebClient(user, key, role, 'admin', 'ops', timezoneOffset, online);
          return;
        }
        const [first, last, typed] = role === 'web_staff' ? this.#personName() : this.#customerName();
        const type = role === 'web_staff' ? 'staff' : 'customer';
        const user = this.#user({ role, first, last, type, clientTypes: ['web'], ...(typed !== undefined && { name: typed }) });
        this.#addWebClient(user, key, role, first, last, timezoneOffset, online);
        // Some people have the application open on their phone too: one user, two sessions.
        if (rng.chance(role === 'web_staff' ? 0.25 : 0.1)) {
          this.#addWebClient(user, `${key}-phone`, role, first, last, timezoneOffset, online && rng.chance(0.7), true);
        }
        return;
      }
    }
  }

  /** Assigns waiting customers to representatives that are online at the start, up to their capacity. */
  planSupportSessions(): void {
    const { rng } = this;
    const reps = this.clients.filter((c) => c.role === 'representative' && c.online);
    const customers = this.clients.filter((c) => c.role === 'support_customer' && c.online);
    // Non-interactive sessions exist only because a representative opened them: they go first.
    customers.sort(
      (a, b) => Number(b.session.customer?.nonInteractive !== undefined) - Number(a.session.customer?.nonInteractive !== undefined),
    );
    let first = true;
    for (const customer of customers) {
      const nonInteractive = customer.session.customer?.nonInteractive !== undefined;
      // The very first customer is always in a session, so a small population shows a matched pair.
      if (!first && !nonInteractive && rng.chance(0.3)) continue; // stays in the queue
      first = false;
      const rep = reps.find((r) => (r.session.representative?.supportSessionLsids?.length ?? 0) < (r.representative?.maxSessions ?? 0));
      if (!rep?.session.representative || !rep.representative || !customer.session.customer) continue;
      const lsid = customer.session.customer.lsid;
      const info = rep.session.representative;
      const lsids = [...(info.supportSessionLsids ?? []), lsid];
      Object.assign(info, {
        supportSessionLsids: lsids,
        ...routingFlags({
          enabled: info.routingEnabled ?? true,
          idle: info.routingIdle ?? false,
          sessions: lsids.length,
          maxSessions: rep.representative.maxSessions,
        }),
      });
      rep.session.view = consoleView(rng, lsid);
      customer.session.view = { m: 'support', v: 'session', t: `lsid|${lsid}` };
      this.supportSessions.push({ lsid, representativeKey: rep.key, customerKey: customer.key });
    }
  }

  #addWebClient(
    user: DemoUser,
    key: string,
    role: 'web_staff' | 'web_customer',
    first: string,
    last: string,
    timezoneOffset: number,
    online: boolean,
    mobile = false,
  ): void {
    const { rng } = this;
    // Motadata's example session, as its documentation shows it.
    const device: Device =
      user.id === SYSTEM_ADMIN_ID
        ? {
            os: 'linux',
            browser: 'Chrome',
            platform: { id: 'linux-x86_64', name: 'Ubuntu 24.04 LTS (x86_64)' },
            userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36',
            hostname: 'ops-console',
          }
        : browserDevice(rng, first, last, mobile);
    this.#addClient(user, {
      key,
      role,
      online,
      session: {
        ...this.#hostFacts(device, timezoneOffset),
        idle: rng.chance(0.1),
        view: role === 'web_staff' ? staffView(rng) : customerView(rng),
      },
    });
  }

  #hostFacts(device: Device, timezoneOffset: number): SessionInit {
    return {
      ...(device.hostname !== undefined && { hostname: device.hostname }),
      platform: device.platform,
      timezoneOffset,
      userAgent: device.userAgent,
      privateIp: privateIp(this.rng),
    };
  }

  #addClient(user: DemoUser, client: Omit<DemoClient, 'userId' | 'session'> & { session: SessionInit }): void {
    const clientType = CLIENT_TYPE_OF_ROLE[client.role];
    if (!user.clientTypes.includes(clientType)) user.clientTypes.push(clientType);
    const { clientTypes: _, ...sessionUser } = user;
    this.clients.push({ ...client, userId: user.id, session: { ...client.session, user: sessionUser, clientType } });
  }

  #user(input: {
    role: DemoRole;
    first: string;
    last: string;
    type: string;
    clientTypes: ClientType[];
    name?: string;
    id?: string;
    username?: string;
  }): DemoUser {
    const { rng } = this;
    const { first, last } = input;
    const name = input.name ?? `${first} ${last}`;
    const id = input.id ?? this.#userId(input.type);
    const ascii = (text: string) =>
      text
        .normalize('NFKD')
        .replace(/[^A-Za-z]/g, '')
        .toLowerCase();
    const user: DemoUser = { id, name, type: input.type, clientTypes: [...input.clientTypes] };
    if (input.type === 'staff') {
      user.username = input.username ?? `${ascii(first).slice(0, 1)}${ascii(last)}${rng.chance(0.2) ? rng.int(1, 9) : ''}`;
      user.email = `${ascii(first)}.${ascii(last)}@example.com`;
      if (input.role === 'representative') {
        // Customers see the public name; colleagues see the private one.
        user.publicDisplayName = rng.chance(0.5) ? first : `${first} ${last.slice(0, 1)}.`;
        user.privateDisplayName = `${name} (${rng.pick(['Tier 1', 'Tier 2', 'Billing', 'EMEA', 'Night shift'])})`;
      }
    } else if (input.type === 'customer') {
      if (rng.chance(0.85)) user.email = `${ascii(first) || 'customer'}.${ascii(last) || rng.int(1, 999)}@${rng.pick(COMPANY_DOMAINS)}`;
    } else if (input.username) {
      user.username = input.username;
    }
    this.users.push(user);
    return user;
  }

  /** Clientexec-style numeric ids, unique; staff, system and customers in ranges of their own. */
  #userId(type: string): string {
    const [min, max] = type === 'staff' ? [20_000, 29_999] : type === 'system' ? [9_000, 9_999] : [40_000, 99_999];
    for (let attempt = 0; attempt < 100; attempt++) {
      const id = String(this.rng.int(min, max));
      if (!this.#usedIds.has(id)) {
        this.#usedIds.add(id);
        return id;
      }
    }
    // A range is nearly full (thousands of users): count on above every range.
    const id = String(1_000_000 + this.#usedIds.size);
    this.#usedIds.add(id);
    return id;
  }

  /** A first and last name not used yet (falls back to a numbered one when the lists run out). */
  #personName(): [string, string] {
    for (let attempt = 0; attempt < 50; attempt++) {
      const first = this.rng.pick(FIRST_NAMES);
      const last = this.rng.pick(LAST_NAMES);
      if (!this.#usedNames.has(`${first} ${last}`)) {
        this.#usedNames.add(`${first} ${last}`);
        return [first, last];
      }
    }
    return [this.rng.pick(FIRST_NAMES), `${this.rng.pick(LAST_NAMES)} ${this.#usedNames.size}`];
  }

  /** A customer's name as typed: usually a person's name, now and then something else. */
  #customerName(): [string, string, string | undefined] {
    const [first, last] = this.#personName();
    if (this.rng.chance(0.15)) return [first, last, this.rng.pick(CUSTOMER_NAME_EXTRAS)];
    return [first, last, undefined];
  }
}
