// The running simulation: one actor per client of the population, the support desk between
// representatives and customers, simulated time, and counters for the status line.
import { createActor, RepresentativeActor, SupportCustomerActor, type AnyActor } from './behaviours.ts';
import type { ActorEnv } from './actor.ts';
import type { Population } from './population.ts';
import { Rng } from './random.ts';
import { SimClock } from './sim-clock.ts';
import { DemoStats } from './stats.ts';
import { SupportDesk } from './support-desk.ts';
import { TokenMint } from './tokens.ts';

/** Real milliseconds a representative with sessions at the start waits for its customers to connect. */
const START_WAIT_MS = 5_000;

export interface SimulationOptions {
  population: Population;
  /** The server's base URL, on a loopback address. */
  url: string;
  /** The server's client-token secret. */
  tokenSecret: string;
  /** Multiple of real time. */
  speed: number;
  /** Source address for the i-th client's sockets, or undefined to let the OS choose. */
  localAddress?: (index: number) => string | undefined;
}

export class Simulation {
  readonly population: Population;
  readonly stats = new DemoStats();
  readonly desk = new SupportDesk();
  readonly clock: SimClock;
  readonly actors: readonly AnyActor[];
  #started = false;
  #stopping: Promise<void> | undefined;

  constructor(options: SimulationOptions) {
    this.population = options.population;
    this.clock = new SimClock(options.speed);
    const mint = new TokenMint(options.tokenSecret);
    const env: ActorEnv = {
      url: options.url,
      clock: this.clock,
      stats: this.stats,
      desk: this.desk,
      token: (user) => mint.token(user),
    };
    const users = new Map(options.population.users.map((u) => [u.id, u]));
    // Behaviour draws from a generator per client, so one client's choices do not shift another's.
    const root = new Rng(options.population.seed).fork('behaviour');
    this.actors = options.population.clients.map((spec, index) => {
      const user = users.get(spec.userId);
      if (!user) throw new Error(`population: client ${spec.key} names unknown user ${spec.userId}`);
      const localAddress = options.localAddress?.(index);
      return createActor({ spec, user, rng: root.fork(spec.key), ...(localAddress !== undefined && { localAddress }) }, env);
    });
  }

  /**
   * Sets up the support sessions under way at the start, then lets every actor begin. A representative
   * that reports lsids in its first hello starts once its customers are welcomed, so rollcall never
   * shows an lsid before the customer that carries it.
   */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const byKey = new Map(this.actors.map((a) => [a.key, a]));
    const customersOf = new Map<string, SupportCustomerActor[]>();
    for (const plan of this.population.supportSessions) {
      const customer = byKey.get(plan.customerKey);
      const representative = byKey.get(plan.representativeKey);
      if (customer instanceof SupportCustomerActor && representative instanceof RepresentativeActor) {
        this.desk.assign(customer, representative.key);
        customersOf.set(representative.key, [...(customersOf.get(representative.key) ?? []), customer]);
      }
    }
    for (const actor of this.actors) {
      const customers = customersOf.get(actor.key);
      if (!customers) {
        actor.start();
        continue;
      }
      let started = false;
      const start = () => {
        if (started) return;
        started = true;
        actor.start();
      };
      void Promise.all(customers.map((c) => c.firstWelcome)).then(start);
      // Should a customer never get in, the representative does not wait for ever.
      this.clock.afterReal(START_WAIT_MS, start);
    }
  }

  /** Stops every timer, then closes every client (each says goodbye and waits for the close). */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.clock.stop();
      await Promise.all(this.actors.map((actor) => actor.stop()));
    })();
    return this.#stopping;
  }

  /** Actors between join and leave. */
  get online(): number {
    return this.actors.filter((a) => a.online).length;
  }
}
