// The support desk: which customers wait in the queue and which support session (lsid) belongs to which
// representative. Representatives and customers report these facts to rollcall on their own sockets;
// the desk is the single place that decides them, so both sides always tell the same story.

/** A support customer as the desk sees it. */
export interface DeskCustomer {
  readonly key: string;
  /** The lsid of the customer's current support session. */
  readonly lsid: string;
  readonly nonInteractive: boolean;
  /** A representative took the session. */
  supportStarted(representativeKey: string): void;
  /** The representative finished the session (after it stopped reporting the lsid). */
  supportEnded(): void;
}

export interface DeskRepresentative {
  readonly key: string;
  /** The customer of `lsid` went away: stop reporting it. */
  customerLeft(lsid: string): void;
}

interface SupportCase {
  customer: DeskCustomer;
  representativeKey: string;
}

export class SupportDesk {
  readonly #queue: DeskCustomer[] = [];
  readonly #cases = new Map<string, SupportCase>();
  readonly #representatives = new Map<string, DeskRepresentative>();

  registerRepresentative(representative: DeskRepresentative): void {
    this.#representatives.set(representative.key, representative);
  }

  /** A customer arrives and waits for a representative. */
  arrive(customer: DeskCustomer): void {
    if (this.#cases.has(customer.lsid) || this.#queue.includes(customer)) return;
    this.#queue.push(customer);
  }

  /** A session already under way (the population's starting state). */
  assign(customer: DeskCustomer, representativeKey: string): void {
    this.#remove(customer);
    this.#cases.set(customer.lsid, { customer, representativeKey });
    customer.supportStarted(representativeKey);
  }

  /** The representative takes the next customer: non-interactive (Jump) sessions first, then in order. */
  pickUp(representativeKey: string): DeskCustomer | undefined {
    const index = Math.max(
      0,
      this.#queue.findIndex((c) => c.nonInteractive),
    );
    const customer = this.#queue[index];
    if (!customer) return undefined;
    this.#queue.splice(index, 1);
    this.#cases.set(customer.lsid, { customer, representativeKey });
    customer.supportStarted(representativeKey);
    return customer;
  }

  /** The representative finished `lsid`; answers the customer, who is told separately (see RepresentativeActor). */
  finish(lsid: string): DeskCustomer | undefined {
    const supportCase = this.#cases.get(lsid);
    if (!supportCase) return undefined;
    this.#cases.delete(lsid);
    return supportCase.customer;
  }

  /** A customer leaves (gave up waiting, or the demo stops): its representative lets go of the lsid. */
  leave(customer: DeskCustomer): void {
    const supportCase = this.#cases.get(customer.lsid);
    this.#remove(customer);
    if (supportCase && supportCase.customer === customer) {
      this.#cases.delete(customer.lsid);
      this.#representatives.get(supportCase.representativeKey)?.customerLeft(customer.lsid);
    }
  }

  get waiting(): number {
    return this.#queue.length;
  }

  get inSession(): number {
    return this.#cases.size;
  }

  isWaiting(customer: DeskCustomer): boolean {
    return this.#queue.includes(customer);
  }

  /** lsid → representative key of every session under way. */
  cases(): Map<string, string> {
    return new Map([...this.#cases].map(([lsid, c]) => [lsid, c.representativeKey]));
  }

  #remove(customer: DeskCustomer): void {
    const index = this.#queue.indexOf(customer);
    if (index >= 0) this.#queue.splice(index, 1);
  }
}
