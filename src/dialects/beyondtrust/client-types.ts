// The client types the command API knows, in the order its documents list them. rollcall's own `web`
// sessions are not BeyondTrust clients and never appear in its answers.
import type { ClientType } from '../../core/model.ts';

export const BT_CLIENT_TYPES = [
  'representative',
  'support_customer',
  'presentation_attendee',
  'push_agent',
] as const satisfies readonly ClientType[];
export type BtClientType = (typeof BT_CLIENT_TYPES)[number];

export const isBtClientType = (value: string): value is BtClientType => (BT_CLIENT_TYPES as readonly string[]).includes(value);
