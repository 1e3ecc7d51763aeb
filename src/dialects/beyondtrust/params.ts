// The command API's parameters: read from the query string and a form body alike, checked, and
// normalised so that two queries asking the same thing get the same cache key whatever the order,
// case of booleans or repetition of their list items.
import { RollcallError } from '../../core/errors.ts';
import { BT_CLIENT_TYPES, isBtClientType, type BtClientType } from './client-types.ts';

/** Parameters as the query-string and form parsers give them: a repeated name becomes an array. */
export type RawParams = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The documents' limit on `id`. */
export const MAX_IDS = 100;
/** The largest session id (positive 32-bit). */
const MAX_ID = 2 ** 31 - 1;

/** The query's parameters with the form body's on top (a body value wins over a query value). */
export function mergeParams(query: unknown, body: unknown): RawParams {
  // No prototype: a parameter named __proto__ must stay a parameter.
  const merged: Record<string, string | readonly string[]> = Object.create(null);
  for (const source of [query, body]) {
    if (typeof source !== 'object' || source === null) continue;
    for (const [name, value] of Object.entries(source)) {
      if (typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'))) merged[name] = value;
    }
  }
  return merged;
}

/** The value of a parameter that may be given once; undefined when absent. */
export function single(params: RawParams, name: string): string | undefined {
  const value = params[name];
  if (typeof value === 'string' || value === undefined) return value;
  throw new RollcallError('invalid_parameter', `${name}: given ${value.length} times; give it once (use a comma list for several values)`);
}

const listItems = (raw: string) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** `type`: a comma list of client types or `all` (the default); answered in the documents' order. */
export function parseTypes(raw: string | undefined): BtClientType[] {
  const items = raw === undefined ? [] : listItems(raw);
  if (items.length === 0) return [...BT_CLIENT_TYPES];
  const wanted = new Set<BtClientType>();
  let all = false;
  // Every item is checked before `all` decides the answer: `all,foo` is as wrong as `foo,all`.
  for (const item of items) {
    if (item === 'all') all = true;
    else if (isBtClientType(item)) wanted.add(item);
    else throw new RollcallError('invalid_parameter', `type: "${item}" is not a client type; use all, ${BT_CLIENT_TYPES.join(', ')}`);
  }
  return all ? [...BT_CLIENT_TYPES] : BT_CLIENT_TYPES.filter((type) => wanted.has(type));
}

/** `id`: a comma list of at most 100 client ids, answered sorted without repeats; undefined for none. */
export function parseIds(raw: string | undefined): number[] | undefined {
  const items = raw === undefined ? [] : listItems(raw);
  if (items.length === 0) return undefined;
  if (items.length > MAX_IDS) {
    throw new RollcallError('invalid_parameter', `id: at most ${MAX_IDS} ids are supported, got ${items.length}`);
  }
  const ids = new Set<number>();
  for (const item of items) {
    // Plain decimal only: `01`, `+1`, `1e0` and `0x1` are not the client 1.
    const id = /^[1-9][0-9]{0,9}$/.test(item) ? Number(item) : Number.NaN;
    if (!(id >= 1 && id <= MAX_ID)) {
      throw new RollcallError('invalid_parameter', `id: "${item}" is not a client id; ids are whole numbers from 1 to ${MAX_ID}`);
    }
    ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off|)$/i;

/** A boolean parameter: `1` (or true/yes/on) and `0` (or false/no/off/empty); false when absent. */
export function parseFlag(name: string, raw: string | undefined): boolean {
  if (raw === undefined) return false;
  const value = raw.trim();
  if (TRUE.test(value)) return true;
  if (FALSE.test(value)) return false;
  throw new RollcallError('invalid_parameter', `${name}: use 1 or 0, got "${raw}"`);
}
