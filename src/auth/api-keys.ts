// API keys: long random secrets shown once at creation. Only their sha256 is stored (HistoryStore):
// with 256 random bits a slow password hash adds nothing, and a fast one keeps per-request lookup cheap.

import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyKind } from '../history/history-store.ts';

/** Readable kind markers, so a leaked key is recognisable (secret scanners, logs) and misuse is obvious. */
const KEY_PREFIX: Record<ApiKeyKind, string> = { ingest: 'rc_in_', api: 'rc_api_' };
const RANDOM_BYTES = 32;
/** Characters kept in listings to tell keys apart: the kind marker plus a few random ones. */
const SHOWN_PREFIX_LENGTH = 12;

export interface GeneratedApiKey {
  /** The secret itself; give it to the operator once, never store it. */
  key: string;
  prefix: string;
  /** sha256 hex of `key`, what the store keeps and looks up by. */
  hash: string;
}

export function generateApiKey(kind: ApiKeyKind): GeneratedApiKey {
  const key = KEY_PREFIX[kind] + randomBytes(RANDOM_BYTES).toString('base64url');
  return { key, prefix: shownPrefix(key), hash: hashApiKey(key) };
}

/** The part of a key that listings show: enough to tell keys apart, too little to use one. */
export function shownPrefix(key: string): string {
  return key.slice(0, SHOWN_PREFIX_LENGTH);
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}
