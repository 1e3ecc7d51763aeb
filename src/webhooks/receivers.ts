// What one node knows of each webhook receiver (one per subscription): the attempts it has in flight
// there, and whether the receiver seems down. A healthy receiver may have `perReceiver` attempts in
// flight; one that seems down gets one at a time (a probe), so a receiver that hangs holds one slot
// after its first timeouts instead of all of them. It seems down after an attempt got no answer (a
// timeout, a refused or reset connection), or after FAILURES_BEFORE_DOWN answers in a row that say
// it is unwell (429, 5xx); a 2xx makes it healthy again.

/** Unwell answers in a row (429, 5xx) after which a receiver is treated as down. */
export const FAILURES_BEFORE_DOWN = 3;

/** How an attempt failed, as far as the receiver's health goes. */
export type Failure = 'no_answer' | 'unwell' | 'refused';

interface Receiver {
  inFlight: number;
  unwellInARow: number;
  down: boolean;
}

export class Receivers {
  private readonly receivers = new Map<number, Receiver>();

  constructor(private readonly perReceiver: number) {}

  /** Subscriptions whose receiver has all the attempts in flight it may have. */
  busy(): number[] {
    const busy: number[] = [];
    for (const [id, receiver] of this.receivers) if (receiver.inFlight >= this.allowed(receiver)) busy.push(id);
    return busy;
  }

  /** Takes a slot at the receiver for an attempt; false when it has none free. */
  take(subscriptionId: number): boolean {
    const receiver = this.receiverOf(subscriptionId);
    if (receiver.inFlight >= this.allowed(receiver)) return false;
    receiver.inFlight++;
    return true;
  }

  /** An attempt ended (whatever its outcome): its slot is free. */
  release(subscriptionId: number): void {
    const receiver = this.receivers.get(subscriptionId);
    if (!receiver) return;
    receiver.inFlight--;
    // Nothing worth remembering of a healthy receiver with nothing in flight.
    if (receiver.inFlight <= 0 && !receiver.down && receiver.unwellInARow === 0) this.receivers.delete(subscriptionId);
  }

  answered(subscriptionId: number): void {
    const receiver = this.receivers.get(subscriptionId);
    if (!receiver) return;
    receiver.unwellInARow = 0;
    receiver.down = false;
  }

  /** Records a failed attempt; answers whether the receiver now seems down. */
  failed(subscriptionId: number, failure: Failure): boolean {
    const receiver = this.receiverOf(subscriptionId);
    if (failure === 'no_answer') receiver.down = true;
    else if (failure === 'unwell' && ++receiver.unwellInARow >= FAILURES_BEFORE_DOWN) receiver.down = true;
    return receiver.down;
  }

  private allowed(receiver: Receiver): number {
    return receiver.down ? 1 : this.perReceiver;
  }

  private receiverOf(subscriptionId: number): Receiver {
    let receiver = this.receivers.get(subscriptionId);
    if (!receiver) {
      receiver = { inFlight: 0, unwellInARow: 0, down: false };
      this.receivers.set(subscriptionId, receiver);
    }
    return receiver;
  }
}
