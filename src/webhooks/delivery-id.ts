// A delivery's id follows from what it delivers: the change (where it was numbered, and its number) and
// the subscription. Whoever enqueues the same change for the same subscription (a retried batch whose
// first write did commit, or another node of a cluster that heard the same change) makes the same id,
// and the outbox keeps the first row with it: one entry per change and subscription.
import { createHash } from 'node:crypto';

/**
 * A UUID (RFC 9562 version 8, "custom") made of the first 122 bits of SHA-256 over the three parts.
 * Receivers already treat the delivery id as an opaque UUID; a hash keeps it unguessable from outside
 * as a random one was, while being the same on every node.
 */
export function deliveryId(origin: string, eventId: number, subscriptionId: number): string {
  const bytes = createHash('sha256').update(`${origin}\n${eventId}\n${subscriptionId}`).digest();
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // the RFC's variant
  const hex = bytes.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
