// How each kind of simulated client behaves over time. Waits are simulated milliseconds (SimClock
// divides them by the demo's speed) and exponentially distributed around the means below.
import type { View } from '../core/model.ts';
import { SimActor, type ActorEnv, type ActorInit } from './actor.ts';
import { consoleView, customerView, presentationView, PRESENTATIONS, privateIp, staffView } from './catalog.ts';
import { newLsid, routingFlags, type DemoRole } from './population.ts';
import type { DeskCustomer, DeskRepresentative } from './support-desk.ts';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

/** Mean waits per role, in simulated milliseconds. */
export const TIMING = {
  web_staff: { view: 25 * SECOND, active: 2 * MINUTE, idle: 45 * SECOND, stay: 8 * MINUTE, away: 2 * MINUTE, drop: 10 * MINUTE },
  web_customer: { view: 20 * SECOND, active: 90 * SECOND, idle: 40 * SECOND, stay: 4 * MINUTE, away: 3 * MINUTE, drop: 12 * MINUTE },
  representative: {
    pickUp: 8 * SECOND,
    session: 2 * MINUTE,
    active: 3 * MINUTE,
    idle: 40 * SECOND,
    flags: 3 * MINUTE,
    stay: 15 * MINUTE,
    away: 2 * MINUTE,
    drop: 10 * MINUTE,
  },
  support_customer: { patience: 3 * MINUTE, view: 40 * SECOND, away: 90 * SECOND, drop: 8 * MINUTE },
  presentation_attendee: {
    view: 20 * SECOND,
    active: 3 * MINUTE,
    idle: 30 * SECOND,
    stay: 5 * MINUTE,
    away: 3 * MINUTE,
    drop: 12 * MINUTE,
  },
  push_agent: { drop: 5 * MINUTE, restart: 20 * MINUTE, away: 20 * SECOND, readdress: 30 * MINUTE },
} as const;

/**
 * Real milliseconds between a representative dropping an lsid and its customer closing. The two report
 * on different sockets, which the server handles independently; the pause keeps rollcall from showing,
 * even briefly, a representative's lsid whose customer is already gone.
 */
export const SUPPORT_END_PAUSE_MS = 200;

/** Simulated milliseconds before trying again what needs a connected client. */
const RETRY_MS = 5 * SECOND;

/** A person in a browser tab: staff in the helpdesk, or customers in the client area. */
export class WebActor extends SimActor {
  readonly #timing = this.spec.role === 'web_staff' ? TIMING.web_staff : TIMING.web_customer;

  protected get awayMeanMs(): number {
    return this.#timing.away;
  }

  protected override prepare(firstJoin: boolean): void {
    if (!firstJoin) this.body.view = this.#nextView();
  }

  protected onJoined(): void {
    const t = this.#timing;
    this.every(t.view, () => {
      if (!this.idle) this.setView(this.#nextView());
    });
    this.idleCycle(t.active, t.idle);
    this.every(t.drop, () => this.drop(this.rng.chance(0.3) ? privateIp(this.rng) : undefined));
    this.later(this.rng.exponential(t.stay), () => this.leave());
  }

  #nextView(): View {
    return this.spec.role === 'web_staff' ? staffView(this.rng) : customerView(this.rng);
  }
}

/** A representative console: picks up support sessions, finishes them, changes its routing flags. */
export class RepresentativeActor extends SimActor implements DeskRepresentative {
  readonly #maxSessions: number;
  #lsids: string[];
  #enabled: boolean;

  constructor(init: ActorInit, env: ActorEnv) {
    super(init, env);
    const info = init.spec.session.representative ?? {};
    this.#maxSessions = init.spec.representative?.maxSessions ?? 1;
    this.#lsids = [...(info.supportSessionLsids ?? [])];
    this.#enabled = info.routingEnabled ?? true;
    env.desk.registerRepresentative(this);
  }

  get lsids(): readonly string[] {
    return this.#lsids;
  }

  protected get awayMeanMs(): number {
    return TIMING.representative.away;
  }

  protected override prepare(firstJoin: boolean): void {
    if (firstJoin) return;
    this.body.representative = { ...this.body.representative, supportSessionLsids: [], ...this.#flags() };
    this.body.view = consoleView(this.rng, undefined);
  }

  protected onJoined(): void {
    const t = TIMING.representative;
    // Sessions under way at the start end in due course like any other.
    for (const lsid of this.#lsids) this.later(this.rng.exponential(t.session), () => this.#finish(lsid));
    this.every(t.pickUp, () => this.#pickUp());
    this.idleCycle(
      t.active,
      t.idle,
      () => this.update({ representative: this.#flags() }),
      () => this.#lsids.length === 0,
    );
    this.every(t.flags, () => this.#changeAFlag());
    this.every(t.drop, () => this.drop());
    const leaveWhenFree = () => {
      if (this.#lsids.length === 0) this.leave();
      else this.later(this.rng.exponential(t.session), leaveWhenFree);
    };
    this.later(this.rng.exponential(t.stay), leaveWhenFree);
  }

  /** The customer of `lsid` is gone: stop reporting the session. */
  customerLeft(lsid: string): void {
    if (!this.#lsids.includes(lsid)) return;
    this.#lsids = this.#lsids.filter((l) => l !== lsid);
    this.#report();
  }

  protected override onLeaving(): void {
    // Ended while in sessions (an admin ended the console): its sessions end too.
    for (const lsid of this.#lsids) {
      const customer = this.env.desk.finish(lsid);
      if (customer) this.env.clock.afterReal(SUPPORT_END_PAUSE_MS, () => customer.supportEnded());
    }
    this.#lsids = [];
  }

  #pickUp(): void {
    if (!this.connected || this.idle || this.#lsids.length >= this.#maxSessions) return;
    // Without automatic routing, sessions are taken by hand, and less often.
    if (!this.#enabled && this.rng.chance(0.7)) return;
    const customer = this.env.desk.pickUp(this.key);
    if (!customer) return;
    this.#lsids = [...this.#lsids, customer.lsid];
    this.#report();
    this.env.stats.add('supportStarted');
    const lsid = customer.lsid;
    this.later(this.rng.exponential(TIMING.representative.session), () => this.#finish(lsid));
  }

  #finish(lsid: string): void {
    if (!this.#lsids.includes(lsid)) return;
    // Only a connected console can tell rollcall the session is over; until then it goes on.
    if (!this.connected) {
      this.later(RETRY_MS, () => this.#finish(lsid));
      return;
    }
    this.#lsids = this.#lsids.filter((l) => l !== lsid);
    this.#report();
    this.env.stats.add('supportFinished');
    const customer = this.env.desk.finish(lsid);
    // The customer closes after the representative's update had time to land.
    if (customer) this.env.clock.afterReal(SUPPORT_END_PAUSE_MS, () => customer.supportEnded());
  }

  #changeAFlag(): void {
    const info = this.body.representative ?? {};
    if (info.type === 'Invited') return;
    const change = this.rng.weighted<'showing' | 'routing' | 'presentation' | 'displayName'>([
      ['showing', 3],
      ['routing', 2],
      ['presentation', 3],
      ['displayName', 1],
    ]);
    switch (change) {
      case 'showing':
        this.update({ representative: { showingOnRepList: !(info.showingOnRepList ?? true) } });
        return;
      case 'routing':
        this.#enabled = !this.#enabled;
        this.update({ representative: this.#flags() });
        return;
      case 'presentation':
        this.update({ representative: { presentationCount: info.presentationCount === 1 ? 0 : 1 } });
        return;
      case 'displayName': {
        // Public display names change now and then; BeyondTrust reports the value at connect time.
        const first = this.user.name.split(' ')[0] ?? this.user.name;
        const current = this.body.user?.publicDisplayName;
        this.update({ user: { publicDisplayName: current === first ? `${first} (away soon)` : first } });
        return;
      }
    }
  }

  #flags() {
    return routingFlags({ enabled: this.#enabled, idle: this.idle, sessions: this.#lsids.length, maxSessions: this.#maxSessions });
  }

  /** Tells rollcall the current lsids, the routing flags that follow from them, and what the console shows. */
  #report(): void {
    this.update({ representative: { supportSessionLsids: [...this.#lsids], ...this.#flags() } });
    this.setView(consoleView(this.rng, this.#lsids.at(-1)));
  }
}

/** A customer in a support session or waiting for one; non-interactive ones are Jump sessions to servers. */
export class SupportCustomerActor extends SimActor implements DeskCustomer {
  readonly nonInteractive = this.spec.session.customer?.nonInteractive !== undefined;
  #lsid = this.spec.session.customer?.lsid ?? '';
  #inSession = false;

  get lsid(): string {
    return this.#lsid;
  }

  get inSession(): boolean {
    return this.#inSession;
  }

  protected get awayMeanMs(): number {
    return TIMING.support_customer.away * (this.nonInteractive ? 2 : 1);
  }

  protected override prepare(firstJoin: boolean): void {
    if (firstJoin) return;
    // A new visit is a new support session: a new lsid.
    this.#lsid = newLsid(this.rng);
    this.#inSession = false;
    const nonInteractive = this.spec.session.customer?.nonInteractive;
    this.body.customer = { lsid: this.#lsid, ...(nonInteractive !== undefined && { nonInteractive }) };
    if (!this.nonInteractive) this.body.view = { m: 'support', v: 'waiting', t: 'queue|general' };
  }

  protected override onWelcome(resumed: boolean): void {
    // Only a welcomed customer can be picked up, so a representative never reports an lsid before it exists.
    if (!resumed && !this.#inSession) this.env.desk.arrive(this);
  }

  protected onJoined(): void {
    const t = TIMING.support_customer;
    if (!this.nonInteractive) {
      this.later(this.rng.exponential(t.patience), () => {
        if (this.env.desk.isWaiting(this)) this.leave(); // gave up waiting
      });
      this.every(t.view, () => {
        if (this.#inSession)
          this.setView({ m: 'support', v: this.rng.pick(['session', 'chat', 'file_transfer', 'screen_sharing']), t: `lsid|${this.#lsid}` });
      });
    }
    this.every(t.drop, () => this.drop());
  }

  supportStarted(_representativeKey: string): void {
    this.#inSession = true;
    if (!this.nonInteractive) this.setView({ m: 'support', v: 'session', t: `lsid|${this.#lsid}` });
  }

  supportEnded(): void {
    this.#inSession = false;
    this.leave();
  }

  protected override onLeaving(): void {
    this.env.desk.leave(this);
    this.#inSession = false;
  }
}

/** Someone watching a presentation. */
export class AttendeeActor extends SimActor {
  #presentation = this.spec.presentation ?? PRESENTATIONS[0];

  protected get awayMeanMs(): number {
    return TIMING.presentation_attendee.away;
  }

  protected override prepare(firstJoin: boolean): void {
    if (firstJoin) return;
    this.#presentation = this.rng.pick(PRESENTATIONS);
    this.body.view = presentationView(this.rng, this.#presentation);
  }

  protected onJoined(): void {
    const t = TIMING.presentation_attendee;
    this.every(t.view, () => {
      if (!this.idle) this.setView(presentationView(this.rng, this.#presentation));
    });
    this.idleCycle(t.active, t.idle);
    this.every(t.drop, () => this.drop());
    this.later(this.rng.exponential(t.stay), () => this.leave());
  }
}

/** A Jumpoint: always there, but networks blip, addresses renew and services restart. */
export class PushAgentActor extends SimActor {
  protected get awayMeanMs(): number {
    return TIMING.push_agent.away;
  }

  protected onJoined(): void {
    const t = TIMING.push_agent;
    this.every(t.drop, () => this.drop());
    this.every(t.readdress, () => this.update({ privateIp: privateIp(this.rng) }));
    this.later(this.rng.exponential(t.restart), () => this.leave());
  }
}

export type AnyActor = WebActor | RepresentativeActor | SupportCustomerActor | AttendeeActor | PushAgentActor;

export function createActor(init: ActorInit, env: ActorEnv): AnyActor {
  const role: DemoRole = init.spec.role;
  switch (role) {
    case 'web_staff':
    case 'web_customer':
      return new WebActor(init, env);
    case 'representative':
      return new RepresentativeActor(init, env);
    case 'support_customer':
      return new SupportCustomerActor(init, env);
    case 'presentation_attendee':
      return new AttendeeActor(init, env);
    case 'push_agent':
      return new PushAgentActor(init, env);
  }
}
