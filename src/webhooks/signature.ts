// How webhook deliveries are signed: HMAC-SHA256, keyed with the subscription's secret, over
// "<timestamp>.<raw body>", sent as `X-Rollcall-Signature: sha256=<hex>` beside
// `X-Rollcall-Timestamp: <unix seconds>`. The timestamp is signed too, so a receiver that refuses old
// timestamps cannot be fed a recorded delivery again later.
import { createHmac, randomBytes } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-rollcall-signature';
export const TIMESTAMP_HEADER = 'x-rollcall-timestamp';
export const DELIVERY_HEADER = 'x-rollcall-delivery';
export const EVENT_HEADER = 'x-rollcall-event';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** 32 random bytes: as strong as the HMAC key can use. Prefixed so a leaked one is recognisable. */
export const generateWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64url')}`;
