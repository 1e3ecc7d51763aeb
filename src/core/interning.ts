// Sessions repeat a few strings endlessly: a fleet has a handful of user agents, platforms, view
// modules and user types, and each parsed request body carries its own copy of them. Interning keeps
// one copy per distinct value, which is most of what a session would otherwise spend on strings.
import { CLIENT_TYPES, type ClientType, type Platform, type View } from './model.ts';

/**
 * One copy of each distinct string, up to `limit` of them. A full table starts over rather than
 * growing, so values that stop being common (an old browser version) are not kept forever and the
 * common ones come back at their next use.
 */
class StringTable {
  private readonly strings = new Map<string, string>();

  constructor(private readonly limit: number) {}

  intern(value: string): string {
    const known = this.strings.get(value);
    if (known !== undefined) return known;
    if (this.strings.size >= this.limit) this.strings.clear();
    this.strings.set(value, value);
    return value;
  }
}

/** A table of frozen values that are equal by a key made from their fields. */
class ValueTable<T> {
  private readonly values = new Map<string, T>();

  constructor(private readonly limit: number) {}

  intern(key: string, make: () => T): T {
    const known = this.values.get(key);
    if (known !== undefined) return known;
    if (this.values.size >= this.limit) this.values.clear();
    const value = Object.freeze(make());
    this.values.set(key, value);
    return value;
  }
}

const TABLE_LIMIT = 4096;
const userAgents = new StringTable(TABLE_LIMIT);
const words = new StringTable(TABLE_LIMIT);
const platforms = new ValueTable<Platform>(TABLE_LIMIT);

export const internUserAgent = (value: string | undefined) => (value === undefined ? undefined : userAgents.intern(value));

/** Short words that repeat across sessions: user types, view modules and views, representative types. */
export const internWord = <T extends string | undefined>(value: T): T => (value === undefined ? value : (words.intern(value) as T));

/** Platforms are shared, frozen objects: sessions never change one in place, they get another. */
export const internPlatform = (value: Platform | undefined): Platform | undefined =>
  value === undefined ? undefined : platforms.intern(`${value.id}\n${value.name}`, () => ({ id: value.id, name: value.name }));

/** A view's module and view repeat; its target rarely does, so the object is the session's own. */
export const internView = (value: View | undefined): View | undefined =>
  value === undefined ? undefined : { m: internWord(value.m), v: internWord(value.v), t: value.t };

/** The validated client type, as the shared constant. */
export const internClientType = (value: ClientType): ClientType => CLIENT_TYPES.find((type) => type === value) ?? value;
